// autograd/functions/reduction.cpp — sum, mean, prod, var/std, max/min, argmax/argmin, norm,
// logsumexp (forward).
#include <cmath>
#include <limits>

#include "../record.h"
#include "op_utils.h"

namespace tg {
namespace {

using kernels::ReduceOp;
using autograd::Grads;
using autograd::Needs;

// The keepdim shape, the final shape and the number of reduced elements.
struct ReduceShape {
  bool mask[kMaxDims];
  DimVec keep;
  DimVec out;
  int64_t count = 1;
};

ReduceShape reduce_shape(const Tensor& x, const DimVec& dims, bool keepdim, const char* op) {
  ReduceShape r;
  detail::reduction_mask(x, dims, op, r.mask);
  r.keep = x.sizes();
  for (int d = 0; d < x.dim(); ++d) {
    if (!r.mask[d]) {
      r.out.push_back(x.sizes()[d]);
      continue;
    }
    r.count *= x.sizes()[d];
    r.keep[d] = 1;
    if (keepdim) r.out.push_back(1);
  }
  return r;
}

Tensor reduce_op(const char* name, ReduceOp op, const Tensor& x_in, const DimVec& dims,
                 bool keepdim, DType dt) {
  detail::check_defined(x_in, name);
  NoGradGuard no_grad;
  Tensor x = x_in.to(dt);
  ReduceShape r = reduce_shape(x, dims, keepdim, name);
  Tensor out = empty(r.keep, dt, x.device());
  if (out.numel() > 0) detail::backend_of(x, name).reduce(op, x, r.mask, out);
  return out.view(r.out);
}

DType sum_type(DType t) { return t == kBool ? kInt64 : t; }

}  // namespace

Tensor sum(const Tensor& x, const DimVec& dims, bool keepdim, std::optional<DType> dtype) {
  detail::check_defined(x, "sum");
  Tensor out =
      reduce_op("sum", ReduceOp::Sum, x, dims, keepdim, dtype.value_or(sum_type(x.dtype())));
  if (autograd::needs_grad(x)) {
    ReduceShape r = reduce_shape(x, dims, keepdim, "sum");
    autograd::record("SumBackward1", out, {x}, [keep = r.keep, shape = x.sizes()](const Tensor& g, const Needs&) {
      return Grads{g.reshape(keep).expand(shape)};  // every summed element gets the gradient
    });
  }
  return out;
}

Tensor prod(const Tensor& x, const DimVec& dims, bool keepdim) {
  detail::check_defined(x, "prod");
  Tensor out = reduce_op("prod", ReduceOp::Prod, x, dims, keepdim, sum_type(x.dtype()));
  if (autograd::needs_grad(x)) {
    ReduceShape r = reduce_shape(x, dims, keepdim, "prod");
    autograd::record("ProdBackward1", out, {x}, [sx = autograd::save(x), dims, keep = r.keep](const Tensor& g, const Needs&) {
      // d prod / d x_i = product of the other elements. Without zeros that is prod / x_i; with one
      // zero only the zero's position gets the product of the rest; with two or more all get 0.
      Tensor xv = sx.unpack();
      Tensor is_zero = eq(xv.detach(), 0.0);
      Tensor zeros_in_slice = sum(is_zero.to(kInt64), dims, true);
      Tensor safe_x = where(is_zero, ones_like(xv), xv);
      Tensor prod_nonzero = prod(safe_x, dims, true);
      Tensor z = zeros_like(xv);
      Tensor d = where(eq(zeros_in_slice, 0), div(prod_nonzero, safe_x),
                       where(logical_and(eq(zeros_in_slice, 1), is_zero), prod_nonzero.expand(xv.sizes()), z));
      return Grads{mul(g.reshape(keep), d)};
    });
  }
  return out;
}

Tensor mean(const Tensor& x, const DimVec& dims, bool keepdim) {
  detail::check_defined(x, "mean");
  TG_CHECK(is_floating(x.dtype()), "mean: expected a floating dtype (float32 or float64), got ",
           dtype_name(x.dtype()), "; convert with .to(tg::kFloat32) first");
  ReduceShape r = reduce_shape(x, dims, keepdim, "mean");
  Tensor out;
  {
    NoGradGuard no_grad;
    out = div(sum(x, dims, keepdim), Scalar(static_cast<double>(r.count)));
  }
  if (autograd::needs_grad(x))
    autograd::record("MeanBackward1", out, {x}, [keep = r.keep, shape = x.sizes(), n = r.count](
                                                    const Tensor& g, const Needs&) {
      return Grads{div(g.reshape(keep), Scalar(static_cast<double>(n))).expand(shape)};
    });
  return out;
}

Tensor var(const Tensor& x, const DimVec& dims, int64_t correction, bool keepdim) {
  detail::check_defined(x, "var");
  TG_CHECK(is_floating(x.dtype()), "var: expected a floating dtype, got ", dtype_name(x.dtype()));
  ReduceShape r = reduce_shape(x, dims, keepdim, "var");
  Tensor centered = sub(x, mean(x, dims, /*keepdim=*/true));
  Tensor ss = sum(mul(centered, centered), dims, keepdim);
  double denom = static_cast<double>(r.count - correction);
  return div(ss, Scalar(denom > 0 ? denom : 0.0));  // 0 -> inf/nan like PyTorch
}

Tensor std(const Tensor& x, const DimVec& dims, int64_t correction, bool keepdim) {
  return sqrt(var(x, dims, correction, keepdim));
}

namespace {

// amax/amin backward: the gradient goes to the elements equal to the extremum, split evenly.
void record_extremum(const char* name, const Tensor& out, const Tensor& x, const DimVec& dims,
                     bool keepdim) {
  ReduceShape r = reduce_shape(x, dims, keepdim, name);
  autograd::record(name, out, {x}, [sx = autograd::save(x), r = autograd::save_output(out), dims, keep = r.keep](
                                       const Tensor& g, const Needs&) {
    Tensor xv = sx.unpack().detach();
    Tensor mask = eq(xv, r.unpack().detach().reshape(keep)).to(g.dtype());
    return Grads{mul(g.reshape(keep), div(mask, sum(mask, dims, true)))};
  });
}

}  // namespace

Tensor amax(const Tensor& x, const DimVec& dims, bool keepdim) {
  detail::check_defined(x, "amax");
  TG_CHECK(x.numel() > 0, "amax: cannot reduce an empty tensor (shape ", x.sizes(),
           "): the operation has no identity");
  Tensor out = reduce_op("amax", ReduceOp::Max, x, dims, keepdim, x.dtype());
  if (autograd::needs_grad(x)) record_extremum("AmaxBackward0", out, x, dims, keepdim);
  return out;
}

Tensor amin(const Tensor& x, const DimVec& dims, bool keepdim) {
  detail::check_defined(x, "amin");
  TG_CHECK(x.numel() > 0, "amin: cannot reduce an empty tensor (shape ", x.sizes(),
           "): the operation has no identity");
  Tensor out = reduce_op("amin", ReduceOp::Min, x, dims, keepdim, x.dtype());
  if (autograd::needs_grad(x)) record_extremum("AminBackward0", out, x, dims, keepdim);
  return out;
}

Tensor max(const Tensor& x) { return amax(x); }
Tensor min(const Tensor& x) { return amin(x); }

namespace {

std::tuple<Tensor, Tensor> arg_reduce(const char* name, bool is_max, const Tensor& x,
                                      int64_t dim, bool keepdim) {
  detail::check_defined(x, name);
  Tensor xx = x.dim() == 0 ? x.reshape({1}) : x;
  int d = wrap_dim(dim, xx.dim(), name);
  TG_CHECK(xx.size(d) > 0, name, ": cannot reduce over dimension ", d,
           " of size 0 (shape ", x.sizes(), ")");
  DimVec keep = xx.sizes();
  keep[d] = 1;
  Tensor values = empty(keep, xx.dtype(), xx.device());
  Tensor indices = empty(keep, kInt64, xx.device());
  if (values.numel() > 0) detail::backend_of(x, name).arg_reduce(is_max, xx, d, values, indices);
  if (autograd::needs_grad(x))  // the selected element of each slice gets the gradient
    autograd::record(is_max ? "MaxBackward0" : "MinBackward0", values, {xx},
                     [idx = autograd::save(indices), d, shape = xx.sizes()](const Tensor& g, const Needs&) {
      Tensor iv = idx.unpack();
      return Grads{scatter_add(zeros(shape, g.dtype(), g.device()), d, iv, g.reshape(iv.sizes()))};
    });
  if (x.dim() == 0) return {values.view({}), indices.view({})};
  if (!keepdim) {
    values = values.squeeze(d);
    indices = indices.squeeze(d);
  }
  return {values, indices};
}

}  // namespace

std::tuple<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim) {
  return arg_reduce("max", true, x, dim, keepdim);
}
std::tuple<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim) {
  return arg_reduce("min", false, x, dim, keepdim);
}

Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  if (!dim) return std::get<1>(arg_reduce("argmax", true, x.reshape({-1}), 0, false));
  return std::get<1>(arg_reduce("argmax", true, x, *dim, keepdim));
}
Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  if (!dim) return std::get<1>(arg_reduce("argmin", false, x.reshape({-1}), 0, false));
  return std::get<1>(arg_reduce("argmin", false, x, *dim, keepdim));
}

Tensor norm(const Tensor& x, double p, const DimVec& dims, bool keepdim) {
  detail::check_defined(x, "norm");
  TG_CHECK(is_floating(x.dtype()), "norm: expected a floating dtype, got ", dtype_name(x.dtype()));
  TG_CHECK(p > 0, "norm: p must be positive, got ", p);
  if (std::isinf(p)) return amax(abs(x), dims, keepdim);
  if (p == 2.0) return sqrt(sum(mul(x, x), dims, keepdim));
  if (p == 1.0) return sum(abs(x), dims, keepdim);
  return pow(sum(pow(abs(x), Scalar(p)), dims, keepdim), Scalar(1.0 / p));
}

Tensor logsumexp(const Tensor& x, const DimVec& dims, bool keepdim) {
  detail::check_defined(x, "logsumexp");
  TG_CHECK(is_floating(x.dtype()), "logsumexp: expected a floating dtype, got ",
           dtype_name(x.dtype()));
  // Shift by the max; rows whose max is +-inf use shift 0 so that inf - inf never appears.
  // The shift cancels exactly in the derivative, so it is taken from a detached x.
  Tensor m = amax(x.detach(), dims, /*keepdim=*/true);
  Tensor finite_m = where(eq(abs(m), Scalar(std::numeric_limits<double>::infinity())),
                          zeros_like(m), m);
  Tensor s = log(sum(exp(sub(x, finite_m)), dims, /*keepdim=*/true));
  Tensor out = add(s, finite_m);
  if (!keepdim) {
    ReduceShape r = reduce_shape(x, dims, false, "logsumexp");
    out = out.view(r.out);
  }
  return out;
}

}  // namespace tg
