// optim/optim.h — everything in tg::optim: the optimizers, LR schedulers and gradient clipping.
#pragma once

#include "adagrad.h"
#include "adam.h"
#include "adamw.h"
#include "optimizer.h"
#include "rmsprop.h"
#include "rowwise_adagrad.h"
#include "scheduler.h"
#include "sgd.h"
#include "sparse_adam.h"
