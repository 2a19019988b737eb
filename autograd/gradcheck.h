// autograd/gradcheck.h — compare autograd's gradients with central finite differences.
//
// Inputs that require grad must be float64 leaves without overlapping memory (an expanded
// tensor would perturb several elements at once: expand inside `fn` instead). Non-contiguous
// leaves (e.g. `base.t().detach().requires_grad_()`) are fine and exercise strided kernels.
#pragma once

#include <functional>
#include <vector>

#include "../tensor/tensor.h"

namespace tg::autograd {

using TensorFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Checks d fn(inputs) / d inputs (every input with requires_grad) element by element:
// |analytic - numeric| <= atol + rtol * |numeric|, numeric = (f(x + eps) - f(x - eps)) / (2 eps).
// On mismatch throws tg::Error naming the input, the output and input elements, both values
// (or returns false when raise_exception is false).
bool gradcheck(const TensorFn& fn, const std::vector<Tensor>& inputs, double eps = 1e-6,
               double atol = 1e-5, double rtol = 1e-3, bool raise_exception = true);

// Checks second derivatives: gradcheck of (inputs, v) -> d<fn(inputs), v>/d inputs, computed with
// create_graph, for a random float64 cotangent v.
bool gradgradcheck(const TensorFn& fn, const std::vector<Tensor>& inputs, double eps = 1e-6,
                   double atol = 1e-5, double rtol = 1e-3, bool raise_exception = true);

}  // namespace tg::autograd
