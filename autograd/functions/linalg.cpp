// autograd/functions/linalg.cpp — matmul, mm, bmm, addmm, outer, dot (forward).
// Everything funnels into one batched GEMM primitive: [B, N, K] x [B, K, M] -> [B, N, M].
#include "../record.h"
#include "op_utils.h"

namespace tg {
namespace {

using autograd::Grads;
using autograd::Needs;

void check_matmul_args(const Tensor& a, const Tensor& b, const char* op) {
  detail::check_defined(a, op);
  detail::check_defined(b, op);
  detail::check_same_device(a, b, op);
  TG_CHECK(a.dtype() == b.dtype(), op, ": expected both operands to have the same dtype, got ",
           dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
  TG_CHECK(a.dtype() != kBool, op, ": bool tensors are not supported");
}

[[noreturn]] void inner_mismatch(const char* op, const Tensor& a, const Tensor& b, int64_t ka,
                                 int64_t kb) {
  TG_THROW(op, ": cannot multiply ", a.sizes(), " by ", b.sizes(), " (inner dimensions ", ka,
           " and ", kb, " differ)");
}

// a3 [B, N, K] x b3 [B, K, M] -> [B, N, M]. Every matmul variant ends here (the reshapes and
// expands around it are differentiable views), so this is the one matmul backward formula.
Tensor batched_gemm(const Tensor& a3, const Tensor& b3, const char* op) {
  Tensor out = empty({a3.size(0), a3.size(1), b3.size(2)}, a3.dtype(), a3.device());
  if (out.numel() > 0) detail::backend_of(a3, op).gemm(a3, b3, out, 1.0, 0.0);
  if (autograd::needs_grad(a3, b3))
    autograd::record("BmmBackward0", out, {a3, b3},
                     [sa = autograd::save_if(autograd::tensor_requires_grad(b3), a3),
                      sb = autograd::save_if(autograd::tensor_requires_grad(a3), b3)](const Tensor& g, const Needs& need) {
      // dA = G B^T, dB = A^T G
      return Grads{need[0] ? batched_gemm(g, sb.unpack().transpose(1, 2), "matmul backward") : Tensor(),
                   need[1] ? batched_gemm(sa.unpack().transpose(1, 2), g, "matmul backward") : Tensor()};
    });
  return out;
}

// [N, K] x [K, M] -> [N, M]: the common 2-D case gets its own node (no reshape nodes around it).
Tensor mm_2d(const Tensor& a, const Tensor& b, const char* op) {
  Tensor out = empty({a.size(0), b.size(1)}, a.dtype(), a.device());
  if (out.numel() > 0) {
    NoGradGuard no_grad;
    detail::backend_of(a, op).gemm(a.unsqueeze(0), b.unsqueeze(0), out.unsqueeze(0), 1.0, 0.0);
  }
  if (autograd::needs_grad(a, b))
    autograd::record("MmBackward0", out, {a, b},
                     [sa = autograd::save_if(autograd::tensor_requires_grad(b), a),
                      sb = autograd::save_if(autograd::tensor_requires_grad(a), b)](const Tensor& g, const Needs& need) {
      // dA = G B^T, dB = A^T G
      return Grads{need[0] ? mm_2d(g, sb.unpack().t(), "mm backward") : Tensor(),
                   need[1] ? mm_2d(sa.unpack().t(), g, "mm backward") : Tensor()};
    });
  return out;
}

}  // namespace

Tensor mm(const Tensor& a, const Tensor& b) {
  check_matmul_args(a, b, "mm");
  TG_CHECK(a.dim() == 2 && b.dim() == 2, "mm: expected 2-D tensors, got shapes ", a.sizes(),
           " and ", b.sizes());
  if (a.size(1) != b.size(0)) inner_mismatch("mm", a, b, a.size(1), b.size(0));
  return mm_2d(a, b, "mm");
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_matmul_args(a, b, "bmm");
  TG_CHECK(a.dim() == 3 && b.dim() == 3, "bmm: expected 3-D tensors, got shapes ", a.sizes(),
           " and ", b.sizes());
  TG_CHECK(a.size(0) == b.size(0), "bmm: batch sizes differ: ", a.sizes(), " and ", b.sizes());
  if (a.size(2) != b.size(1)) inner_mismatch("bmm", a, b, a.size(2), b.size(1));
  return batched_gemm(a, b, "bmm");
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_matmul_args(a, b, "matmul");
  TG_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul: both arguments need at least 1 dimension, got ",
           a.sizes(), " and ", b.sizes());
  if (a.dim() == 1 && b.dim() == 1) {
    if (a.size(0) != b.size(0)) inner_mismatch("matmul", a, b, a.size(0), b.size(0));
    return batched_gemm(a.view({1, 1, -1}), b.view({1, -1, 1}), "matmul").view({});
  }
  if (a.dim() == 2 && b.dim() == 2) {
    if (a.size(1) != b.size(0)) inner_mismatch("matmul", a, b, a.size(1), b.size(0));
    return mm_2d(a, b, "matmul");
  }
  // General case: promote 1-D operands, broadcast the batch dims.
  Tensor a2 = a.dim() == 1 ? a.unsqueeze(0) : a;
  Tensor b2 = b.dim() == 1 ? b.unsqueeze(1) : b;
  int64_t n = a2.size(-2), k = a2.size(-1), kb = b2.size(-2), m = b2.size(-1);
  if (k != kb) inner_mismatch("matmul", a, b, k, kb);
  DimVec ba, bb;
  for (int i = 0; i < a2.dim() - 2; ++i) ba.push_back(a2.size(i));
  for (int i = 0; i < b2.dim() - 2; ++i) bb.push_back(b2.size(i));
  DimVec batch = broadcast_shapes(ba, bb, "matmul");
  int64_t nb = shape_numel(batch);
  DimVec ea = batch, eb = batch;
  ea.push_back(n);
  ea.push_back(k);
  eb.push_back(k);
  eb.push_back(m);
  Tensor a3 = a2.expand(ea).reshape({nb, n, k});
  Tensor b3 = b2.expand(eb).reshape({nb, k, m});
  DimVec out_shape = batch;
  if (a.dim() > 1) out_shape.push_back(n);
  if (b.dim() > 1) out_shape.push_back(m);
  return batched_gemm(a3, b3, "matmul").view(out_shape);
}

Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) {
  check_matmul_args(a, b, "addmm");
  detail::check_defined(bias, "addmm", "bias");
  detail::check_same_device(bias, a, "addmm");
  TG_CHECK(a.dim() == 2 && b.dim() == 2, "addmm: expected 2-D matrices, got shapes ", a.sizes(),
           " and ", b.sizes());
  if (a.size(1) != b.size(0)) inner_mismatch("addmm", a, b, a.size(1), b.size(0));
  TG_CHECK(bias.dtype() == a.dtype(), "addmm: bias dtype ", dtype_name(bias.dtype()),
           " differs from the matrices' dtype ", dtype_name(a.dtype()));
  DimVec shape{a.size(0), b.size(1)};
  broadcast_shapes(bias.sizes(), shape, "addmm");
  TG_CHECK(bias.dim() <= 2, "addmm: bias must have at most 2 dims, got ", bias.sizes());
  Tensor out = empty({1, shape[0], shape[1]}, a.dtype(), a.device());
  auto& be = detail::backend_of(a, "addmm");
  double bt = beta.to_double();
  if (bt == 1.0 && alpha.to_double() == 1.0 && is_floating(a.dtype())) {
    // nn.Linear's case: out = A B, then out += bias in one broadcast pass. The same bits as the
    // general path below (bias + A B there, with A B formed in a temporary), without its
    // temporary, its extra pass over the output and the row-by-row broadcast copy of the bias.
    if (out.numel() > 0) be.gemm(a.unsqueeze(0), b.unsqueeze(0), out, 1.0, 0.0);
    be.binary(kernels::BinaryOp::Add, 1.0, out, bias.expand(shape).unsqueeze(0), out);
  } else {
    if (bt != 0) be.copy(bias.expand(shape).unsqueeze(0), out);
    if (out.numel() > 0) be.gemm(a.unsqueeze(0), b.unsqueeze(0), out, alpha.to_double(), bt);
  }
  out = out.squeeze(0);
  if (autograd::needs_grad(bias, a, b))
    autograd::record("AddmmBackward0", out, {bias, a, b},
                     [sa = autograd::save_if(autograd::tensor_requires_grad(b), a),
                      sb = autograd::save_if(autograd::tensor_requires_grad(a), b), beta, alpha](const Tensor& g, const Needs& need) {
      // d bias = beta G (summed to bias's shape), dA = alpha G B^T, dB = alpha A^T G
      // (A factor of exactly 1 is skipped: x * 1 == x, and it saves a pass over each gradient.)
      double al = alpha.to_double();
      auto scaled = [](const Tensor& t, const Scalar& s) {
        return s.to_double() != 1.0 || autograd::needs_grad(t) ? mul(t, s) : t;
      };
      return Grads{need[0] ? scaled(g, beta) : Tensor(),
                   need[1] ? scaled(mm(g, sb.unpack().t()), Scalar(al)) : Tensor(),
                   need[2] ? scaled(mm(sa.unpack().t(), g), Scalar(al)) : Tensor()};
    });
  return out;
}

Tensor outer(const Tensor& a, const Tensor& b) {
  TG_CHECK(a.dim() == 1 && b.dim() == 1, "outer: expected 1-D tensors, got shapes ", a.sizes(),
           " and ", b.sizes());
  return mul(a.unsqueeze(1), b.unsqueeze(0));
}

Tensor dot(const Tensor& a, const Tensor& b) {
  check_matmul_args(a, b, "dot");
  TG_CHECK(a.dim() == 1 && b.dim() == 1, "dot: expected 1-D tensors, got shapes ", a.sizes(),
           " and ", b.sizes());
  return matmul(a, b);
}

Tensor cholesky_solve_spd(const Tensor& a, const Tensor& b) {
  const char* op = "cholesky_solve_spd";
  detail::check_defined(a, op);
  detail::check_defined(b, op);
  detail::check_same_device(a, b, op);
  TG_CHECK(!autograd::needs_grad(a, b), op, ": not differentiable (call it under NoGradGuard or ",
           "on detached tensors)");
  TG_CHECK(is_floating(a.dtype()) && a.dtype() == b.dtype(), op,
           ": expected floating tensors of one dtype, got ", dtype_name(a.dtype()), " and ",
           dtype_name(b.dtype()));
  TG_CHECK(a.dim() >= 2 && a.size(-1) == a.size(-2), op, ": a must be [..., K, K], got ", a.sizes());
  const int64_t k = a.size(-1);
  const bool vec = b.dim() == a.dim() - 1;
  Tensor b2 = vec ? b.unsqueeze(-1) : b;
  TG_CHECK(b2.dim() == a.dim() && b2.size(-2) == k, op, ": b of shape ", b.sizes(),
           " does not match a of shape ", a.sizes());
  for (int d = 0; d < a.dim() - 2; ++d)
    TG_CHECK(a.size(d) == b2.size(d), op, ": batch dims of a ", a.sizes(), " and b ", b.sizes(),
             " differ");
  const int64_t batch = shape_numel(a.sizes()) / std::max<int64_t>(k * k, 1);
  Tensor a3 = a.reshape({batch, k, k}), b3 = b2.reshape({batch, k, b2.size(-1)});
  Tensor out = empty(b3.sizes(), a.dtype(), a.device());
  if (out.numel() > 0)
    TG_CHECK(detail::backend_of(a, op).cholesky_solve(a3, b3, out), op,
             ": a matrix is not symmetric positive definite");
  return out.view(vec ? b.sizes() : b2.sizes());
}

}  // namespace tg
