// autograd/function.h — user-defined differentiable operations.
//
//   struct Cube : tg::autograd::Function<Cube> {
//     static constexpr const char* kName = "CubeBackward";
//     static tg::Tensor forward(tg::autograd::AutogradContext* ctx, const tg::Tensor& x) {
//       ctx->save_for_backward({x});
//       return x * x * x;                      // runs without recording
//     }
//     static tg::autograd::Grads backward(tg::autograd::AutogradContext* ctx,
//                                         const tg::autograd::Grads& grad_outputs) {
//       tg::Tensor x = ctx->saved()[0];
//       return {grad_outputs[0] * 3.0 * x * x}; // one gradient per Tensor argument of forward
//     }
//   };
//   tg::Tensor y = Cube::apply(x);
//
// Non-tensor arguments (ints, doubles) may follow and are passed to forward unchanged; they get
// no gradient. backward returns one entry per Tensor argument, in order (undefined = no grad).
#pragma once

#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "grad_mode.h"
#include "node.h"
#include "record.h"

namespace tg::autograd {

class AutogradContext {
 public:
  // Tensors needed by backward. Saving the output of forward is fine (no reference cycle).
  void save_for_backward(std::vector<Tensor> tensors) { to_save_ = std::move(tensors); }
  // The saved tensors, checked against in-place modification since they were saved.
  std::vector<Tensor> saved() const {
    std::vector<Tensor> out;
    out.reserve(saved_.size());
    for (const SavedTensor& s : saved_) out.push_back(s.unpack());
    return out;
  }
  // Whether the i-th Tensor argument of forward needs a gradient.
  bool needs_input_grad(size_t i) const { return i < needs_.size() && needs_[i]; }

 private:
  template <class T>
  friend struct Function;
  template <class T>
  friend class CustomNode;
  std::vector<Tensor> to_save_;
  std::vector<SavedTensor> saved_;
  std::vector<bool> needs_;
};

template <class T>
class CustomNode final : public Node {
 public:
  std::string name() const override {
    if constexpr (requires { T::kName; }) return T::kName;
    else return std::string(typeid(T).name()) + "Backward";
  }
  Grads apply(Grads&& grads) override {
    TG_CHECK(!released_, "backward: trying to backward through the graph a second time (the "
             "saved tensors of ", name(), " were freed); pass retain_graph=true");
    CurrentNodeScope scope(this);  // lets saved outputs re-attach to this node (create_graph)
    Grads out = T::backward(&ctx_, grads);
    TG_CHECK(out.size() == next_edges.size(), name(), ": backward returned ", out.size(),
             " gradients but forward took ", next_edges.size(), " tensor arguments");
    for (size_t i = 0; i < out.size(); ++i) {
      if (!next_edges[i].valid() || !out[i].defined()) {
        out[i] = Tensor();
        continue;
      }
      TG_CHECK(out[i].sizes() == input_meta[i].shape, name(), ": backward returned a gradient ",
               "of shape ", out[i].sizes(), " for input ", i, " of shape ", input_meta[i].shape);
      if (out[i].dtype() != input_meta[i].dtype) out[i] = out[i].to(input_meta[i].dtype);
    }
    return out;
  }
  void release_saved() override {
    ctx_.saved_.clear();
    released_ = true;
  }
  AutogradContext ctx_;

 private:
  bool released_ = false;
};

template <class T>
struct Function {
  template <class... Args>
  static Tensor apply(Args&&... args) {
    auto node = std::make_shared<CustomNode<T>>();
    std::vector<Tensor> inputs;
    (collect(inputs, args), ...);
    const bool record_graph = any_requires_grad(inputs);
    for (const Tensor& t : inputs) node->ctx_.needs_.push_back(record_graph && tensor_requires_grad(t));
    Tensor out;
    {
      NoGradGuard no_grad;
      out = T::forward(&node->ctx_, std::forward<Args>(args)...);
    }
    TG_CHECK(out.defined(), "custom Function: forward returned an undefined tensor");
    for (const Tensor& s : node->ctx_.to_save_)
      node->ctx_.saved_.emplace_back(s, s.defined() && s.is_same(out));
    node->ctx_.to_save_.clear();
    if (!record_graph) return out;
    for (const Tensor& t : inputs) {
      node->next_edges.push_back(gradient_edge(t));
      node->input_meta.push_back({t.sizes(), t.dtype(), t.device()});
    }
    node->output_meta.push_back({out.sizes(), out.dtype(), out.device()});
    if (out.impl().autograd_meta() || !out.is_leaf()) out = out.detach();
    set_history(out, node, 0);
    return out;
  }

 private:
  template <class A>
  static void collect(std::vector<Tensor>& v, const A& a) {
    if constexpr (std::is_same_v<std::decay_t<A>, Tensor>) v.push_back(a);
  }
};

}  // namespace tg::autograd
