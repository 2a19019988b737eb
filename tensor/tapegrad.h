// tapegrad.h — the one header a consumer includes: #include <tapegrad/tapegrad.h>
//
// It pulls in only tapegrad's own light headers (no Eigen, no CUDA), so it compiles fast.
#pragma once

#include "autograd/engine.h"
#include "autograd/function.h"
#include "autograd/grad_mode.h"
#include "autograd/gradcheck.h"
#include "autograd/graph_print.h"
#include "autograd/node.h"
#include "nn/nn.h"
#include "nn/serialize.h"
#include "optim/optim.h"
#include "tensor/cpu.h"
#include "tensor/cuda.h"
#include "tensor/device.h"
#include "tensor/dtype.h"
#include "tensor/error.h"
#include "tensor/generator.h"
#include "tensor/ops.h"
#include "tensor/scalar.h"
#include "tensor/shape.h"
#include "tensor/sparse.h"
#include "tensor/storage.h"
#include "tensor/tensor.h"

namespace tg {
// Library version, also available to CMake consumers as tapegrad_VERSION.
inline constexpr const char* kVersion = "0.1.0";
}  // namespace tg
