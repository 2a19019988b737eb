// autograd/meta.h — the autograd state a tensor carries once it requires grad or has a grad_fn.
//
// Plain tensors (the common case inside no-grad inference) carry none of this: TensorImpl holds a
// null pointer until requires_grad_() or an op that records a Node touches it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../tensor/tensor.h"

namespace tg::autograd {

class Node;

struct AutogradMeta {
  bool requires_grad = false;
  Tensor grad;                       // accumulated gradient of a leaf (or retained non-leaf)
  std::shared_ptr<Node> grad_fn;     // the op that produced this tensor (null for leaves)
  uint32_t output_nr = 0;            // which output of grad_fn this tensor is
  bool retains_grad = false;
  std::weak_ptr<Node> grad_accumulator;  // leaves: the node that writes into `grad`
  std::vector<std::function<Tensor(const Tensor&)>> hooks;  // leaves: run before accumulation
  std::string name;                                          // optional label for graph printing
};

}  // namespace tg::autograd
