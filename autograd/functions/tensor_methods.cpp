// autograd/functions/tensor_methods.cpp — Tensor member functions that forward to the free ops,
// and the autograd accessors of Tensor.
#include "../engine.h"
#include "../meta.h"
#include "../record.h"
#include "op_utils.h"

namespace tg {

Tensor Tensor::add(const Tensor& o, Scalar alpha) const { return tg::add(*this, o, alpha); }
Tensor Tensor::sub(const Tensor& o, Scalar alpha) const { return tg::sub(*this, o, alpha); }
Tensor Tensor::mul(const Tensor& o) const { return tg::mul(*this, o); }
Tensor Tensor::div(const Tensor& o) const { return tg::div(*this, o); }
Tensor Tensor::pow(const Tensor& e) const { return tg::pow(*this, e); }
Tensor Tensor::pow(Scalar e) const { return tg::pow(*this, e); }
Tensor Tensor::neg() const { return tg::neg(*this); }
Tensor Tensor::exp() const { return tg::exp(*this); }
Tensor Tensor::log() const { return tg::log(*this); }
Tensor Tensor::sqrt() const { return tg::sqrt(*this); }
Tensor Tensor::rsqrt() const { return tg::rsqrt(*this); }
Tensor Tensor::abs() const { return tg::abs(*this); }
Tensor Tensor::sign() const { return tg::sign(*this); }
Tensor Tensor::tanh() const { return tg::tanh(*this); }
Tensor Tensor::sigmoid() const { return tg::sigmoid(*this); }
Tensor Tensor::relu() const { return tg::relu(*this); }
Tensor Tensor::clamp(std::optional<Scalar> mn, std::optional<Scalar> mx) const {
  return tg::clamp(*this, mn, mx);
}
Tensor Tensor::maximum(const Tensor& o) const { return tg::maximum(*this, o); }
Tensor Tensor::minimum(const Tensor& o) const { return tg::minimum(*this, o); }
Tensor Tensor::sum() const { return tg::sum(*this); }
Tensor Tensor::sum(const DimVec& dims, bool keepdim) const { return tg::sum(*this, dims, keepdim); }
Tensor Tensor::mean() const { return tg::mean(*this); }
Tensor Tensor::mean(const DimVec& dims, bool keepdim) const { return tg::mean(*this, dims, keepdim); }
Tensor Tensor::max() const { return tg::max(*this); }
std::tuple<Tensor, Tensor> Tensor::max(int64_t dim, bool keepdim) const {
  return tg::max(*this, dim, keepdim);
}
Tensor Tensor::min() const { return tg::min(*this); }
std::tuple<Tensor, Tensor> Tensor::min(int64_t dim, bool keepdim) const {
  return tg::min(*this, dim, keepdim);
}
Tensor Tensor::argmax(std::optional<int64_t> dim, bool keepdim) const {
  return tg::argmax(*this, dim, keepdim);
}
Tensor Tensor::argmin(std::optional<int64_t> dim, bool keepdim) const {
  return tg::argmin(*this, dim, keepdim);
}
Tensor Tensor::matmul(const Tensor& o) const { return tg::matmul(*this, o); }
Tensor Tensor::mm(const Tensor& o) const { return tg::mm(*this, o); }
Tensor Tensor::index_select(int64_t dim, const Tensor& index) const {
  return tg::index_select(*this, dim, index);
}
Tensor Tensor::gather(int64_t dim, const Tensor& index) const { return tg::gather(*this, dim, index); }
Tensor Tensor::masked_fill(const Tensor& mask, Scalar value) const {
  return tg::masked_fill(*this, mask, value);
}
Tensor Tensor::softmax(int64_t dim) const { return tg::softmax(*this, dim); }
Tensor Tensor::log_softmax(int64_t dim) const { return tg::log_softmax(*this, dim); }

// ---- autograd accessors ----------------------------------------------------------------------

bool Tensor::requires_grad() const {
  auto* m = impl().autograd_meta();
  return m && (m->requires_grad || m->grad_fn);
}

Tensor& Tensor::requires_grad_(bool value) {
  TG_CHECK(!value || is_floating_point(), "requires_grad_: only floating-point tensors can ",
           "require gradients, got ", dtype_name(dtype()));
  auto* m = impl().autograd_meta();
  TG_CHECK(!(m && m->grad_fn) || value, "requires_grad_: cannot turn off requires_grad on a ",
           "non-leaf tensor (use detach())");
  if (value || m) impl().ensure_autograd_meta().requires_grad = value;
  return *this;
}

bool Tensor::is_leaf() const {
  auto* m = impl().autograd_meta();
  return !m || !m->grad_fn;
}

Tensor Tensor::grad() const {
  auto* m = impl().autograd_meta();
  return m ? m->grad : Tensor();
}

std::shared_ptr<autograd::Node> Tensor::grad_fn() const {
  auto* m = impl().autograd_meta();
  return m ? m->grad_fn : nullptr;
}

void Tensor::set_grad(const Tensor& g) {
  if (g.defined()) {
    TG_CHECK(g.sizes() == sizes(), "set_grad: gradient of shape ", g.sizes(),
             " does not match the tensor's shape ", sizes());
    TG_CHECK(g.device() == device(), "set_grad: gradient is on ", g.device().str(),
             " but the tensor is on ", device().str());
  }
  impl().ensure_autograd_meta().grad = g;
}

uint32_t Tensor::output_nr() const {
  auto* m = impl().autograd_meta();
  return m ? m->output_nr : 0;
}

void Tensor::backward(const Tensor& gradient, bool retain_graph, bool create_graph) const {
  autograd::backward({*this}, {gradient}, retain_graph, create_graph);
}

void Tensor::register_hook(std::function<Tensor(const Tensor&)> hook) const {
  TG_CHECK(requires_grad(), "register_hook: cannot register a hook on a tensor that does not ",
           "require grad");
  auto* m = impl().autograd_meta();
  if (m->grad_fn) m->grad_fn->pre_hooks.emplace_back(m->output_nr, std::move(hook));
  else m->hooks.push_back(std::move(hook));
}

void Tensor::retain_grad() const {
  TG_CHECK(requires_grad(), "retain_grad: the tensor does not require grad");
  if (is_leaf()) return;  // leaves keep .grad anyway
  auto* m = impl().autograd_meta();
  if (m->retains_grad) return;
  m->retains_grad = true;
  // Weak reference: the hook lives in the node, and the node must not keep its output alive.
  std::weak_ptr<TensorImpl> weak = impl_ptr();
  m->grad_fn->pre_hooks.emplace_back(m->output_nr, [weak](const Tensor& g) {
    if (auto impl = weak.lock()) {
      autograd::AutogradMeta& meta = impl->ensure_autograd_meta();
      Tensor add = GradMode::is_enabled() ? g : g.detach();
      meta.grad = meta.grad.defined() ? tg::add(meta.grad, add) : add.clone();
    }
    return Tensor();
  });
}

Tensor& Tensor::set_name(const std::string& name) {
  impl().ensure_autograd_meta().name = name;
  return *this;
}

std::string Tensor::name() const {
  auto* m = impl().autograd_meta();
  return m ? m->name : std::string();
}

}  // namespace tg
