// autograd/functions/nn_ops.cpp — softmax, log_softmax, one_hot, dropout (forward).
#include "../../tensor/generator.h"
#include "../record.h"
#include "op_utils.h"

namespace tg {
namespace {

Tensor softmax_impl(const char* op, const Tensor& x, int64_t dim, bool log) {
  detail::check_defined(x, op);
  Tensor xx = is_floating(x.dtype()) ? x : x.to(kDefaultFloat);
  Tensor x1 = xx.dim() == 0 ? xx.reshape({1}) : xx;
  int d = wrap_dim(dim, x1.dim(), op);
  Tensor out = empty(x1.sizes(), x1.dtype(), x1.device());
  if (out.numel() > 0) detail::backend_of(x, op).softmax(x1, d, log, out);
  if (autograd::needs_grad(x1))
    autograd::record(log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", out, {x1},
                     [y = autograd::save_output(out), d, log](const Tensor& g, const autograd::Needs&) {
      Tensor yv = y.unpack();
      if (log)  // d log_softmax: g - softmax * sum(g)
        return autograd::Grads{sub(g, mul(exp(yv), sum(g, {d}, true)))};
      // d softmax: y * (g - sum(g * y))
      return autograd::Grads{mul(yv, sub(g, sum(mul(g, yv), {d}, true)))};
    });
  return x.dim() == 0 ? out.view({}) : out;
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_impl("softmax", x, dim, false); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_impl("log_softmax", x, dim, true); }

Tensor one_hot(const Tensor& indices, int64_t num_classes) {
  const char* op = "one_hot";
  detail::check_defined(indices, op);
  detail::check_index_dtype(indices, op);
  if (num_classes < 0) {
    TG_CHECK(indices.numel() > 0, op, ": cannot infer the number of classes from an empty tensor");
    num_classes = amax(indices).item<int64_t>() + 1;
  }
  detail::check_index_bounds(indices, num_classes, op, 0);
  DimVec shape = indices.sizes();
  shape.push_back(num_classes);
  Tensor out = zeros(shape, kInt64, indices.device());
  return scatter(out, -1, indices.unsqueeze(-1), Scalar(1));
}

Tensor dropout(const Tensor& x, double p, bool train, Generator* gen) {
  TG_CHECK(p >= 0.0 && p <= 1.0, "dropout: probability must be in [0, 1], got ", p);
  detail::check_defined(x, "dropout");
  if (!train || p == 0.0) return x;
  TG_CHECK(is_floating(x.dtype()), "dropout: expected a floating dtype, got ",
           dtype_name(x.dtype()));
  if (p == 1.0) return zeros_like(x);
  // mask = (u >= p) * 1/(1-p) for uniforms u: one pass in place over the uniforms, with the bits of
  // mul(ge(u, p).to(dtype), 1/(1-p)) (kernels/functors.h, DropoutMaskF).
  Tensor mask = rand(x.sizes(), gen, x.dtype(), x.device());
  kernels::UnaryParams prm;
  prm.a = p;
  prm.b = 1.0 / (1.0 - p);
  detail::backend_of(x, "dropout").unary(kernels::UnaryOp::DropoutMask, prm, mask, mask);
  return mul(x, mask);
}

}  // namespace tg
