// autograd/record.h — what an op calls to put itself on the tape.
//
// The pattern used by every op in autograd/functions/*.cpp (forward and backward side by side):
//
//   Tensor mul(const Tensor& a, const Tensor& b) {
//     Tensor out = <compute forward>;
//     if (autograd::needs_grad(a, b))
//       autograd::record("MulBackward0", out, {a, b},
//           [sa = autograd::save(a), sb = autograd::save(b)](const Tensor& g, const Needs& need) {
//             return Grads{need[0] ? g * sb.unpack() : Tensor(), need[1] ? g * sa.unpack() : Tensor()};
//           });
//     return out;
//   }
//
// Formulas are written with ordinary (differentiable) ops, so create_graph works for free.
// Gradients may come back broadcast (e.g. `g` for an input that was expanded): record() sums them
// to the input's shape and casts them to its dtype, so formulas need not.
#pragma once

#include <initializer_list>

#include "grad_mode.h"
#include "meta.h"
#include "node.h"

namespace tg::autograd {

using Needs = FunctionNode::Needs;

inline bool tensor_requires_grad(const Tensor& t) {
  if (!t.defined()) return false;
  auto* m = t.impl().autograd_meta();
  return m && (m->requires_grad || m->grad_fn);
}

// True when grad mode is on and at least one argument requires grad.
template <class... Ts>
bool needs_grad(const Ts&... ts) {
  return GradMode::is_enabled() && (tensor_requires_grad(ts) || ...);
}
bool any_requires_grad(const std::vector<Tensor>& ts);

// Saves an input (or a tensor derived from inputs) / the op's own output for backward.
SavedTensor save(const Tensor& t);
SavedTensor save_output(const Tensor& t);
// Saves t only when `needed` (e.g. a * b saves a only if b needs a gradient).
inline SavedTensor save_if(bool needed, const Tensor& t) { return needed ? save(t) : SavedTensor(); }

// Attaches a FunctionNode computing `formula` to `out`, with one edge per input.
void record(const char* name, const Tensor& out, std::initializer_list<Tensor> inputs,
            FunctionNode::Formula formula);
void record(const char* name, const Tensor& out, const std::vector<Tensor>& inputs,
            FunctionNode::Formula formula);

// Connects `out` to an already-built node as its output number `output_nr`.
void set_history(const Tensor& out, const std::shared_ptr<Node>& node, uint32_t output_nr);

// Where t's gradient goes: its grad_fn, or its leaf accumulator; invalid if it needs none.
Edge gradient_edge(const Tensor& t);

// Sums g over broadcast dimensions so that the result has `shape` (inverse of expand).
Tensor sum_to(const Tensor& g, const DimVec& shape);

}  // namespace tg::autograd
