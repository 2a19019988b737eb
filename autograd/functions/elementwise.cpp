// autograd/functions/elementwise.cpp — unary and binary elementwise ops (forward).
//
// Each op is one line naming its kernel functor (kernels/functors.h) and its dtype rule:
// float-only ops (exp, div, ...) compute integer inputs in float32, predicates return bool.
#include "op_utils.h"

namespace tg {
namespace {

using kernels::BinaryOp;
using kernels::UnaryOp;
using kernels::UnaryParams;

enum class Rule { SameType, FloatOnly, BoolResult, NoBool };

Tensor unary_op(const char* name, UnaryOp op, const Tensor& x, Rule rule, UnaryParams p = {}) {
  detail::check_defined(x, name);
  DType compute = x.dtype();
  if (rule == Rule::FloatOnly && !is_floating(compute)) compute = kDefaultFloat;
  if (rule == Rule::NoBool)
    TG_CHECK(compute != kBool, name, ": not supported for bool tensors");
  Tensor xin = x.to(compute);
  Tensor out = empty(x.sizes(), rule == Rule::BoolResult ? kBool : compute, x.device());
  detail::backend_of(x, name).unary(op, p, xin, out);
  return out;
}

Tensor binary_op(const char* name, BinaryOp op, const Tensor& a, const Tensor& b, Rule rule,
                 double alpha = 1.0) {
  detail::check_defined(a, name);
  detail::check_defined(b, name);
  detail::check_same_device(a, b, name);
  DimVec shape = broadcast_shapes(a.sizes(), b.sizes(), name);
  DType compute = promote_types(a.dtype(), b.dtype());
  if (rule == Rule::FloatOnly && !is_floating(compute)) compute = kDefaultFloat;
  if (rule == Rule::NoBool)
    TG_CHECK(compute != kBool, name, ": not supported for bool tensors (use logical ops)");
  Tensor out = empty(shape, rule == Rule::BoolResult ? kBool : compute, a.device());
  Tensor ax = a.to(compute), bx = b.to(compute);
  if (!(ax.sizes() == shape)) ax = ax.expand(shape);
  if (!(bx.sizes() == shape)) bx = bx.expand(shape);
  detail::backend_of(a, name).binary(op, alpha, ax, bx, out);
  return out;
}

// A 0-dim tensor holding a Python-style "wrapped number", typed to combine with `t`.
Tensor wrap_scalar(const Tensor& t, Scalar s) {
  return scalar_tensor(s, detail::scalar_result_type(t, s), t.device());
}

}  // namespace

Tensor neg(const Tensor& x) { return unary_op("neg", UnaryOp::Neg, x, Rule::NoBool); }
Tensor exp(const Tensor& x) { return unary_op("exp", UnaryOp::Exp, x, Rule::FloatOnly); }
Tensor log(const Tensor& x) { return unary_op("log", UnaryOp::Log, x, Rule::FloatOnly); }
Tensor sqrt(const Tensor& x) { return unary_op("sqrt", UnaryOp::Sqrt, x, Rule::FloatOnly); }
Tensor rsqrt(const Tensor& x) { return unary_op("rsqrt", UnaryOp::Rsqrt, x, Rule::FloatOnly); }
Tensor abs(const Tensor& x) { return unary_op("abs", UnaryOp::Abs, x, Rule::SameType); }
Tensor sign(const Tensor& x) { return unary_op("sign", UnaryOp::Sign, x, Rule::SameType); }
Tensor tanh(const Tensor& x) { return unary_op("tanh", UnaryOp::Tanh, x, Rule::FloatOnly); }
Tensor sigmoid(const Tensor& x) { return unary_op("sigmoid", UnaryOp::Sigmoid, x, Rule::FloatOnly); }
Tensor relu(const Tensor& x) { return unary_op("relu", UnaryOp::Relu, x, Rule::NoBool); }
Tensor gelu(const Tensor& x) { return unary_op("gelu", UnaryOp::Gelu, x, Rule::FloatOnly); }
Tensor logical_not(const Tensor& x) {
  return unary_op("logical_not", UnaryOp::LogicalNot, x, Rule::BoolResult);
}

Tensor softplus(const Tensor& x, double beta, double threshold) {
  TG_CHECK(beta > 0, "softplus: beta must be positive, got ", beta);
  UnaryParams p;
  p.a = beta;
  p.b = threshold;
  return unary_op("softplus", UnaryOp::Softplus, x, Rule::FloatOnly, p);
}

Tensor clamp(const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max) {
  TG_CHECK(min || max, "clamp: at least one of min and max must be given");
  UnaryParams p;
  if (min) {
    p.a = min->to_double();
    p.has_a = true;
  }
  if (max) {
    p.b = max->to_double();
    p.has_b = true;
  }
  Rule rule = Rule::NoBool;
  Tensor in = x;
  if ((min && min->is_floating()) || (max && max->is_floating()))
    if (!is_floating(x.dtype())) in = x.to(kDefaultFloat);
  return unary_op("clamp", UnaryOp::Clamp, in, rule, p);
}

Tensor add(const Tensor& a, const Tensor& b, Scalar alpha) {
  return binary_op("add", BinaryOp::Add, a, b, Rule::SameType, alpha.to_double());
}
Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha) {
  return binary_op("sub", BinaryOp::Sub, a, b, Rule::NoBool, alpha.to_double());
}
Tensor mul(const Tensor& a, const Tensor& b) { return binary_op("mul", BinaryOp::Mul, a, b, Rule::SameType); }
Tensor div(const Tensor& a, const Tensor& b) { return binary_op("div", BinaryOp::Div, a, b, Rule::FloatOnly); }
Tensor pow(const Tensor& a, const Tensor& b) { return binary_op("pow", BinaryOp::Pow, a, b, Rule::SameType); }
Tensor maximum(const Tensor& a, const Tensor& b) {
  return binary_op("maximum", BinaryOp::Maximum, a, b, Rule::SameType);
}
Tensor minimum(const Tensor& a, const Tensor& b) {
  return binary_op("minimum", BinaryOp::Minimum, a, b, Rule::SameType);
}
Tensor eq(const Tensor& a, const Tensor& b) { return binary_op("eq", BinaryOp::Eq, a, b, Rule::BoolResult); }
Tensor ne(const Tensor& a, const Tensor& b) { return binary_op("ne", BinaryOp::Ne, a, b, Rule::BoolResult); }
Tensor lt(const Tensor& a, const Tensor& b) { return binary_op("lt", BinaryOp::Lt, a, b, Rule::BoolResult); }
Tensor le(const Tensor& a, const Tensor& b) { return binary_op("le", BinaryOp::Le, a, b, Rule::BoolResult); }
Tensor gt(const Tensor& a, const Tensor& b) { return binary_op("gt", BinaryOp::Gt, a, b, Rule::BoolResult); }
Tensor ge(const Tensor& a, const Tensor& b) { return binary_op("ge", BinaryOp::Ge, a, b, Rule::BoolResult); }
Tensor logical_and(const Tensor& a, const Tensor& b) {
  return binary_op("logical_and", BinaryOp::LogicalAnd, a, b, Rule::BoolResult);
}
Tensor logical_or(const Tensor& a, const Tensor& b) {
  return binary_op("logical_or", BinaryOp::LogicalOr, a, b, Rule::BoolResult);
}
Tensor logical_xor(const Tensor& a, const Tensor& b) {
  return binary_op("logical_xor", BinaryOp::LogicalXor, a, b, Rule::BoolResult);
}

Tensor add(const Tensor& a, Scalar b) { return add(a, wrap_scalar(a, b)); }
Tensor sub(const Tensor& a, Scalar b) { return sub(a, wrap_scalar(a, b)); }
Tensor mul(const Tensor& a, Scalar b) { return mul(a, wrap_scalar(a, b)); }
Tensor div(const Tensor& a, Scalar b) { return div(a, wrap_scalar(a, b)); }
Tensor pow(const Tensor& a, Scalar b) { return pow(a, wrap_scalar(a, b)); }
Tensor pow(Scalar a, const Tensor& b) { return pow(wrap_scalar(b, a), b); }
Tensor eq(const Tensor& a, Scalar b) { return eq(a, wrap_scalar(a, b)); }
Tensor ne(const Tensor& a, Scalar b) { return ne(a, wrap_scalar(a, b)); }
Tensor lt(const Tensor& a, Scalar b) { return lt(a, wrap_scalar(a, b)); }
Tensor le(const Tensor& a, Scalar b) { return le(a, wrap_scalar(a, b)); }
Tensor gt(const Tensor& a, Scalar b) { return gt(a, wrap_scalar(a, b)); }
Tensor ge(const Tensor& a, Scalar b) { return ge(a, wrap_scalar(a, b)); }
Tensor operator+(Scalar a, const Tensor& b) { return add(wrap_scalar(b, a), b); }
Tensor operator-(Scalar a, const Tensor& b) { return sub(wrap_scalar(b, a), b); }
Tensor operator*(Scalar a, const Tensor& b) { return mul(wrap_scalar(b, a), b); }
Tensor operator/(Scalar a, const Tensor& b) { return div(wrap_scalar(b, a), b); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  const char* name = "where";
  detail::check_defined(cond, name, "condition");
  TG_CHECK(cond.dtype() == kBool, "where: condition must be a bool tensor, got ",
           dtype_name(cond.dtype()));
  detail::check_same_device(cond, a, name);
  detail::check_same_device(a, b, name);
  DimVec shape = broadcast_shapes(broadcast_shapes(cond.sizes(), a.sizes(), name), b.sizes(), name);
  DType dt = promote_types(a.dtype(), b.dtype());
  Tensor out = empty(shape, dt, a.device());
  detail::backend_of(a, name).where(cond.expand(shape), a.to(dt).expand(shape),
                                    b.to(dt).expand(shape), out);
  return out;
}
Tensor where(const Tensor& cond, const Tensor& a, Scalar b) { return where(cond, a, wrap_scalar(a, b)); }
Tensor where(const Tensor& cond, Scalar a, const Tensor& b) { return where(cond, wrap_scalar(b, a), b); }

bool equal(const Tensor& a, const Tensor& b) {
  if (!(a.sizes() == b.sizes()) || a.dtype() != b.dtype()) return false;
  if (a.numel() == 0) return true;
  return eq(a, b).to(kInt64).sum().item<int64_t>() == a.numel();
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol) {
  Tensor af = a.to(kFloat64), bf = b.to(kFloat64);
  broadcast_shapes(a.sizes(), b.sizes(), "allclose");
  if (af.numel() == 0 || bf.numel() == 0) return true;
  Tensor diff = abs(sub(af, bf));
  Tensor tol = add(mul(abs(bf), rtol), atol);
  Tensor ok = logical_or(le(diff, tol), logical_and(eq(af, bf), eq(af, af)));  // equal infinities
  Tensor n = logical_not(ok).to(kInt64).sum();
  return n.item<int64_t>() == 0;
}

}  // namespace tg
