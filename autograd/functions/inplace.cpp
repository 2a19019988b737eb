// autograd/functions/inplace.cpp — in-place ops (fill_, copy_, add_, ...). Each bumps the storage's
// version counter so autograd can detect tensors modified after being saved for backward.
#include "../record.h"
#include "op_utils.h"

namespace tg {
namespace {

// In-place ops are not recorded on the tape. Writing in place into a tensor that takes part in
// autograd (or writing a value that does) while grad mode is on would silently detach it from
// the graph, so it is an error; optimizers and initialisers run under NoGradGuard.
void check_autograd_inplace(const Tensor& self, const Tensor* other, const char* op) {
  if (!GradMode::is_enabled()) return;
  bool self_rg = autograd::tensor_requires_grad(self);
  bool other_rg = other && autograd::tensor_requires_grad(*other);
  if (!self_rg && !other_rg) return;
  TG_CHECK(false, op, ": in-place operation on a tensor that ",
           (self.is_leaf() && self_rg ? "is a leaf requiring grad"
                                      : self_rg ? "is part of an autograd graph"
                                                : "does not require grad, with an operand that does"),
           " while grad mode is on. Use the out-of-place op (e.g. x = x + y), or wrap parameter "
           "updates in tg::NoGradGuard.");
}

using kernels::BinaryOp;

// `other` as an operand for an in-place write into `self`: converted, and copied if it overlaps
// self's memory with a different layout (reading it while writing self would be wrong).
Tensor operand_for(const Tensor& self, const Tensor& other, const char* op) {
  detail::check_same_device(self, other, op);
  DimVec shape = broadcast_shapes(self.sizes(), other.sizes(), op);
  TG_CHECK(shape == self.sizes(), op, ": the operand of shape ", other.sizes(),
           " cannot be broadcast to the in-place target's shape ", self.sizes());
  Tensor o = other.to(self.dtype());
  if (o.shares_storage(self) &&
      !(o.sizes() == self.sizes() && o.strides() == self.strides() &&
        o.storage_offset() == self.storage_offset()))
    o = o.clone();
  return o.expand(self.sizes());
}

void check_castable(const Tensor& self, DType result, const char* op) {
  TG_CHECK(result == self.dtype() || (is_floating(self.dtype()) && is_floating(result)) ||
               promote_types(result, self.dtype()) == self.dtype(),
           op, ": result type ", dtype_name(result), " can't be cast to the in-place target's dtype ",
           dtype_name(self.dtype()));
}

Tensor& inplace_binary(Tensor& self, const Tensor& other, BinaryOp bop, double alpha,
                       const char* op, bool float_only = false) {
  detail::check_defined(self, op);
  detail::check_defined(other, op);
  detail::check_no_internal_overlap(self, op);
  check_autograd_inplace(self, &other, op);
  DType result = promote_types(self.dtype(), other.dtype());
  if (float_only && !is_floating(result)) result = kDefaultFloat;
  check_castable(self, result, op);
  Tensor o = operand_for(self, other, op);
  detail::backend_of(self, op).binary(bop, alpha, self, o, self);
  self.impl().storage()->bump_version();
  return self;
}

Tensor scalar_operand(const Tensor& self, Scalar s) {
  return scalar_tensor(s, detail::scalar_result_type(self, s), self.device());
}

}  // namespace

Tensor& Tensor::fill_(Scalar value) {
  detail::check_no_internal_overlap(*this, "fill_");
  check_autograd_inplace(*this, nullptr, "fill_");
  if (numel() > 0) detail::backend_of(*this, "fill_").fill(*this, value);
  impl().storage()->bump_version();
  return *this;
}

Tensor& Tensor::zero_() { return fill_(0); }

Tensor& Tensor::copy_(const Tensor& src) {
  detail::check_defined(src, "copy_", "source");
  detail::check_no_internal_overlap(*this, "copy_");
  check_autograd_inplace(*this, &src, "copy_");
  Tensor s = src.to(device());
  DimVec shape = broadcast_shapes(sizes(), s.sizes(), "copy_");
  TG_CHECK(shape == sizes(), "copy_: source of shape ", src.sizes(),
           " cannot be broadcast to the destination's shape ", sizes());
  if (s.shares_storage(*this)) s = s.clone();
  if (numel() > 0) detail::backend_of(*this, "copy_").copy(s.expand(sizes()), *this);
  impl().storage()->bump_version();
  return *this;
}

Tensor& Tensor::add_(const Tensor& o, Scalar alpha) {
  return inplace_binary(*this, o, BinaryOp::Add, alpha.to_double(), "add_");
}
Tensor& Tensor::add_(Scalar o) { return add_(scalar_operand(*this, o)); }
Tensor& Tensor::sub_(const Tensor& o, Scalar alpha) {
  TG_CHECK(dtype() != kBool, "sub_: not supported for bool tensors");
  return inplace_binary(*this, o, BinaryOp::Sub, alpha.to_double(), "sub_");
}
Tensor& Tensor::mul_(const Tensor& o) { return inplace_binary(*this, o, BinaryOp::Mul, 1.0, "mul_"); }
Tensor& Tensor::mul_(Scalar o) { return mul_(scalar_operand(*this, o)); }
Tensor& Tensor::div_(const Tensor& o) {
  return inplace_binary(*this, o, BinaryOp::Div, 1.0, "div_", /*float_only=*/true);
}
Tensor& Tensor::div_(Scalar o) { return div_(scalar_operand(*this, o)); }

Tensor& Tensor::clamp_(std::optional<Scalar> min, std::optional<Scalar> max) {
  Tensor r = tg::clamp(*this, min, max);
  check_castable(*this, r.dtype(), "clamp_");
  return copy_(r);
}

Tensor& Tensor::masked_fill_(const Tensor& mask, Scalar value) {
  return copy_(tg::masked_fill(*this, mask, value));
}

}  // namespace tg
