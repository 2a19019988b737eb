// autograd/functions/elementwise.cpp — unary and binary elementwise ops (forward).
//
// Each op is one line naming its kernel functor (kernels/functors.h) and its dtype rule:
// float-only ops (exp, div, ...) compute integer inputs in float32, predicates return bool.
#include "../record.h"
#include "op_utils.h"

namespace tg {
namespace {

using kernels::BinaryOp;
using kernels::UnaryOp;
using kernels::UnaryParams;
using autograd::Grads;
using autograd::Needs;

enum class Rule { SameType, FloatOnly, BoolResult, NoBool };

// PyTorch's result type: a 0-dim operand only decides the dtype when it is of a higher category
// (bool < integer < floating) than the dimensioned one: float32[3] + float64[] stays float32.
DType result_type(const Tensor& a, const Tensor& b) {
  const bool a0 = a.dim() == 0, b0 = b.dim() == 0;
  if (a0 == b0) return promote_types(a.dtype(), b.dtype());
  auto category = [](DType t) { return t == kBool ? 0 : (t == kInt64 ? 1 : 2); };
  const Tensor& dimensioned = a0 ? b : a;
  const Tensor& zero_dim = a0 ? a : b;
  return category(zero_dim.dtype()) > category(dimensioned.dtype()) ? zero_dim.dtype()
                                                                      : dimensioned.dtype();
}


// Forward computations run without recording: the public op records one node for itself.
Tensor unary_op(const char* name, UnaryOp op, const Tensor& x, Rule rule, UnaryParams p = {}) {
  detail::check_defined(x, name);
  NoGradGuard no_grad;
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
  NoGradGuard no_grad;
  DimVec shape = broadcast_shapes(a.sizes(), b.sizes(), name);
  DType compute = result_type(a, b);
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

// 1 - t (used by several backward formulas).
Tensor rsub_one(const Tensor& t) { return sub(ones({}, t.dtype(), t.device()), t); }

// A 0-dim tensor holding a Python-style "wrapped number", typed to combine with `t`.
Tensor wrap_scalar(const Tensor& t, Scalar s) {
  return scalar_tensor(s, detail::scalar_result_type(t, s), t.device());
}

}  // namespace

// ---- unary ops: forward, then the backward formula ------------------------------------------

Tensor neg(const Tensor& x) {
  Tensor out = unary_op("neg", UnaryOp::Neg, x, Rule::NoBool);
  if (autograd::needs_grad(x))
    autograd::record("NegBackward0", out, {x}, [](const Tensor& g, const Needs&) {
      return Grads{neg(g)};  // d(-x) = -1
    });
  return out;
}

Tensor exp(const Tensor& x) {
  Tensor out = unary_op("exp", UnaryOp::Exp, x, Rule::FloatOnly);
  if (autograd::needs_grad(x))
    autograd::record("ExpBackward0", out, {x}, [r = autograd::save_output(out)](const Tensor& g, const Needs&) {
      return Grads{mul(g, r.unpack())};  // d exp(x) = exp(x)
    });
  return out;
}

Tensor log(const Tensor& x) {
  Tensor out = unary_op("log", UnaryOp::Log, x, Rule::FloatOnly);
  if (autograd::needs_grad(x))
    autograd::record("LogBackward0", out, {x}, [sx = autograd::save(x)](const Tensor& g, const Needs&) {
      return Grads{div(g, sx.unpack())};  // d log(x) = 1 / x
    });
  return out;
}

Tensor sqrt(const Tensor& x) {
  Tensor out = unary_op("sqrt", UnaryOp::Sqrt, x, Rule::FloatOnly);
  if (autograd::needs_grad(x))
    autograd::record("SqrtBackward0", out, {x}, [r = autograd::save_output(out)](const Tensor& g, const Needs&) {
      return Grads{div(g, mul(r.unpack(), 2.0))};  // d sqrt(x) = 1 / (2 sqrt(x))
    });
  return out;
}

Tensor rsqrt(const Tensor& x) {
  Tensor out = unary_op("rsqrt", UnaryOp::Rsqrt, x, Rule::FloatOnly);
  if (autograd::needs_grad(x))
    autograd::record("RsqrtBackward0", out, {x}, [r = autograd::save_output(out)](const Tensor& g, const Needs&) {
      Tensor y = r.unpack();
      return Grads{mul(g, mul(pow(y, 3.0), -0.5))};  // d x^-1/2 = -1/2 x^-3/2
    });
  return out;
}

Tensor abs(const Tensor& x) {
  Tensor out = unary_op("abs", UnaryOp::Abs, x, Rule::SameType);
  if (autograd::needs_grad(x))
    autograd::record("AbsBackward0", out, {x}, [sx = autograd::save(x)](const Tensor& g, const Needs&) {
      return Grads{mul(g, sign(sx.unpack()))};  // d |x| = sign(x) (0 at 0)
    });
  return out;
}

Tensor sign(const Tensor& x) {
  Tensor out = unary_op("sign", UnaryOp::Sign, x, Rule::SameType);
  if (autograd::needs_grad(x))
    autograd::record("SignBackward0", out, {x}, [](const Tensor& g, const Needs&) {
      return Grads{zeros_like(g)};  // piecewise constant: the derivative is 0 wherever it exists
    });
  return out;
}

Tensor tanh(const Tensor& x) {
  Tensor out = unary_op("tanh", UnaryOp::Tanh, x, Rule::FloatOnly);
  if (autograd::needs_grad(x))
    autograd::record("TanhBackward0", out, {x}, [r = autograd::save_output(out)](const Tensor& g, const Needs&) {
      Tensor y = r.unpack();
      return Grads{mul(g, rsub_one(mul(y, y)))};  // d tanh = 1 - tanh^2
    });
  return out;
}

Tensor sigmoid(const Tensor& x) {
  Tensor out = unary_op("sigmoid", UnaryOp::Sigmoid, x, Rule::FloatOnly);
  if (autograd::needs_grad(x))
    autograd::record("SigmoidBackward0", out, {x}, [r = autograd::save_output(out)](const Tensor& g, const Needs&) {
      Tensor y = r.unpack();
      return Grads{mul(g, mul(y, rsub_one(y)))};  // d sigmoid = s (1 - s)
    });
  return out;
}

Tensor relu(const Tensor& x) {
  Tensor out = unary_op("relu", UnaryOp::Relu, x, Rule::NoBool);
  if (autograd::needs_grad(x))
    autograd::record("ReluBackward0", out, {x}, [r = autograd::save_output(out)](const Tensor& g, const Needs&) {
      Tensor y = r.unpack().detach();
      // One fused pass with the same bits as the formula below, unless the gradient itself is
      // being differentiated (create_graph) or the dtypes differ.
      if (!autograd::needs_grad(g) && g.dtype() == y.dtype() && g.sizes() == y.sizes())
        return Grads{binary_op("relu_backward", BinaryOp::ReluBackward, g, y, Rule::NoBool)};
      return Grads{mul(g, gt(y, 0).to(g.dtype()))};  // 1 where x > 0
    });
  return out;
}

Tensor erf(const Tensor& x) {
  Tensor out = unary_op("erf", UnaryOp::Erf, x, Rule::FloatOnly);
  if (autograd::needs_grad(x))
    autograd::record("ErfBackward0", out, {x}, [sx = autograd::save(x)](const Tensor& g, const Needs&) {
      Tensor v = sx.unpack();  // d erf = 2/sqrt(pi) exp(-x^2)
      return Grads{mul(g, mul(exp(neg(mul(v, v))), 1.1283791670955126))};
    });
  return out;
}

Tensor gelu(const Tensor& x) {
  Tensor out = unary_op("gelu", UnaryOp::Gelu, x, Rule::FloatOnly);
  if (autograd::needs_grad(x))
    autograd::record("GeluBackward0", out, {x}, [sx = autograd::save(x)](const Tensor& g, const Needs&) {
      // d [x Phi(x)] = Phi(x) + x phi(x), Phi(x) = (1 + erf(x/sqrt 2)) / 2, phi = N(0,1) density
      Tensor v = sx.unpack();
      Tensor cdf = mul(add(erf(mul(v, 0.7071067811865476)), 1.0), 0.5);
      Tensor pdf = mul(exp(mul(mul(v, v), -0.5)), 0.3989422804014327);
      return Grads{mul(g, add(cdf, mul(v, pdf)))};
    });
  return out;
}

Tensor logical_not(const Tensor& x) {
  return unary_op("logical_not", UnaryOp::LogicalNot, x, Rule::BoolResult);
}

Tensor softplus(const Tensor& x, double beta, double threshold) {
  TG_CHECK(beta > 0, "softplus: beta must be positive, got ", beta);
  UnaryParams p;
  p.a = beta;
  p.b = threshold;
  Tensor out = unary_op("softplus", UnaryOp::Softplus, x, Rule::FloatOnly, p);
  if (autograd::needs_grad(x))
    autograd::record("SoftplusBackward0", out, {x},
                     [sx = autograd::save(x), beta, threshold](const Tensor& g, const Needs&) {
      // d softplus = sigmoid(beta x); exactly 1 above the linear threshold
      Tensor bx = mul(sx.unpack(), beta);
      return Grads{mul(g, where(gt(bx, threshold), ones_like(bx), sigmoid(bx)))};
    });
  return out;
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
  Tensor in = x;
  if ((min && min->is_floating()) || (max && max->is_floating()))
    if (!is_floating(x.dtype())) in = x.to(kDefaultFloat);
  Tensor out = unary_op("clamp", UnaryOp::Clamp, in, Rule::NoBool, p);
  if (autograd::needs_grad(x))
    autograd::record("ClampBackward1", out, {x}, [sx = autograd::save(x), p](const Tensor& g, const Needs&) {
      // gradient passes where min <= x <= max
      Tensor v = sx.unpack().detach();
      Tensor pass = ones_like(v, kBool);
      if (p.has_a) pass = logical_and(pass, ge(v, p.a));
      if (p.has_b) pass = logical_and(pass, le(v, p.b));
      return Grads{mul(g, pass.to(g.dtype()))};
    });
  return out;
}

// ---- binary ops ----------------------------------------------------------------------------------

Tensor add(const Tensor& a, const Tensor& b, Scalar alpha) {
  Tensor out = binary_op("add", BinaryOp::Add, a, b, Rule::SameType, alpha.to_double());
  if (autograd::needs_grad(a, b))
    autograd::record("AddBackward0", out, {a, b}, [alpha](const Tensor& g, const Needs& need) {
      return Grads{g, need[1] ? (alpha.to_double() == 1.0 ? g : mul(g, alpha)) : Tensor()};
    });
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha) {
  Tensor out = binary_op("sub", BinaryOp::Sub, a, b, Rule::NoBool, alpha.to_double());
  if (autograd::needs_grad(a, b))
    autograd::record("SubBackward0", out, {a, b}, [alpha](const Tensor& g, const Needs& need) {
      return Grads{g, need[1] ? mul(g, -alpha.to_double()) : Tensor()};
    });
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary_op("mul", BinaryOp::Mul, a, b, Rule::SameType);
  if (autograd::needs_grad(a, b))
    autograd::record("MulBackward0", out, {a, b},
                     [sa = autograd::save_if(autograd::tensor_requires_grad(b), a),
                      sb = autograd::save_if(autograd::tensor_requires_grad(a), b),
                      square = a.is_same(b)](const Tensor& g, const Needs& need) {
      if (square && need[0] && need[1]) {  // x * x: both gradients are g * x, computed once
        Tensor t = mul(g, sb.unpack());
        return Grads{t, t};
      }
      return Grads{need[0] ? mul(g, sb.unpack()) : Tensor(), need[1] ? mul(g, sa.unpack()) : Tensor()};
    });
  return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = binary_op("div", BinaryOp::Div, a, b, Rule::FloatOnly);
  if (autograd::needs_grad(a, b))
    autograd::record("DivBackward0", out, {a, b},
                     [sa = autograd::save_if(autograd::tensor_requires_grad(b), a),
                      sb = autograd::save(b)](const Tensor& g, const Needs& need) {
      Tensor bv = sb.unpack();  // d(a/b) = 1/b da - a/b^2 db
      return Grads{need[0] ? div(g, bv) : Tensor(),
                   need[1] ? neg(div(mul(g, sa.unpack()), mul(bv, bv))) : Tensor()};
    });
  return out;
}

Tensor pow(const Tensor& a, const Tensor& b) {
  Tensor out = binary_op("pow", BinaryOp::Pow, a, b, Rule::SameType);
  if (autograd::needs_grad(a, b))
    autograd::record("PowBackward1", out, {a, b},
                     [sa = autograd::save(a), sb = autograd::save(b), r = autograd::save_output(out)](
                         const Tensor& g, const Needs& need) {
      // d a^b = b a^(b-1) da + a^b log(a) db  (the db term is 0 where a == 0 and b >= 0)
      Tensor av = sa.unpack(), bv = sb.unpack();
      Tensor ga, gb;
      if (need[0]) ga = mul(g, mul(bv, pow(av, sub(bv, 1.0))));
      if (need[1]) {
        Tensor safe_a = where(eq(av, 0.0), ones_like(av), av);
        gb = where(logical_and(eq(av, 0.0), ge(bv, 0.0)), zeros_like(g),
                   mul(g, mul(r.unpack(), log(safe_a))));
      }
      return Grads{ga, gb};
    });
  return out;
}

Tensor maximum(const Tensor& a, const Tensor& b) {
  Tensor out = binary_op("maximum", BinaryOp::Maximum, a, b, Rule::SameType);
  if (autograd::needs_grad(a, b))
    autograd::record("MaximumBackward0", out, {a, b},
                     [sa = autograd::save(a), sb = autograd::save(b)](const Tensor& g, const Needs&) {
      // the larger input gets the gradient; ties split it evenly
      Tensor av = sa.unpack().detach(), bv = sb.unpack().detach();
      Tensor wa = add(gt(av, bv).to(g.dtype()), mul(eq(av, bv).to(g.dtype()), 0.5));
      return Grads{mul(g, wa), mul(g, rsub_one(wa))};
    });
  return out;
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  Tensor out = binary_op("minimum", BinaryOp::Minimum, a, b, Rule::SameType);
  if (autograd::needs_grad(a, b))
    autograd::record("MinimumBackward0", out, {a, b},
                     [sa = autograd::save(a), sb = autograd::save(b)](const Tensor& g, const Needs&) {
      Tensor av = sa.unpack().detach(), bv = sb.unpack().detach();
      Tensor wa = add(lt(av, bv).to(g.dtype()), mul(eq(av, bv).to(g.dtype()), 0.5));
      return Grads{mul(g, wa), mul(g, rsub_one(wa))};
    });
  return out;
}

// Comparisons and logical ops return bool: not differentiable, nothing is recorded.
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
  DType dt = result_type(a, b);
  Tensor out = empty(shape, dt, a.device());
  {
    NoGradGuard no_grad;
    detail::backend_of(a, name).where(cond.expand(shape), a.to(dt).expand(shape),
                                      b.to(dt).expand(shape), out);
  }
  if (autograd::needs_grad(a, b))
    autograd::record("WhereBackward0", out, {a, b}, [c = autograd::save(cond)](const Tensor& g, const Needs& need) {
      Tensor cv = c.unpack(), z = zeros_like(g);
      return Grads{need[0] ? where(cv, g, z) : Tensor(), need[1] ? where(cv, z, g) : Tensor()};
    });
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
