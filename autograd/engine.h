// autograd/engine.h — running the tape backwards.
#pragma once

#include <vector>

#include "../tensor/tensor.h"

namespace tg::autograd {

// Computes gradients of `outputs` (seeded with `grad_outputs`; a scalar output may pass an
// undefined seed, meaning 1) and accumulates them into the .grad of every leaf that requires grad.
// Nodes run in a dependency-counted topological order with an explicit work list (no recursion).
// Saved tensors are freed afterwards unless retain_graph; create_graph records the backward pass
// itself so that the resulting gradients can be differentiated again.
void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs = {},
              bool retain_graph = false, bool create_graph = false);

// Like torch.autograd.grad: returns d(outputs)/d(inputs) without accumulating into leaves'
// .grad (as in PyTorch, non-leaf tensors that called retain_grad() still get theirs).
// An input that the outputs do not depend on gives an undefined tensor if allow_unused, else throws.
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {},
                         std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
                         bool allow_unused = false);

}  // namespace tg::autograd
