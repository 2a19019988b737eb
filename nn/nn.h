// nn/nn.h — everything in tg::nn: Module, layers, containers, losses, functional (F), init.
#pragma once

#include "activation.h"
#include "container.h"
#include "dropout.h"
#include "embedding.h"
#include "functional.h"
#include "init.h"
#include "linear.h"
#include "loss.h"
#include "module.h"
#include "normalization.h"
