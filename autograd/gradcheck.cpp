// autograd/gradcheck.cpp — numerical vs analytical Jacobians in float64.
#include "gradcheck.h"

#include <cmath>
#include <sstream>

#include "../tensor/generator.h"
#include "../tensor/ops.h"
#include "engine.h"
#include "grad_mode.h"
#include "record.h"

namespace tg::autograd {
namespace {

// Address of logical element `flat` (row-major) of t.
double* element_ptr(const Tensor& t, int64_t flat) {
  int64_t off = 0;
  for (int d = t.dim() - 1; d >= 0; --d) {
    int64_t s = t.size(d);
    off += (flat % s) * t.stride(d);
    flat /= s;
  }
  return static_cast<double*>(t.data_ptr()) + off;
}

std::string index_str(const DimVec& shape, int64_t flat) {
  DimVec idx(shape.size(), 0);
  for (int d = shape.size() - 1; d >= 0; --d) {
    idx[d] = flat % shape[d];
    flat /= shape[d];
  }
  std::ostringstream os;
  os << '(';
  for (int d = 0; d < idx.size(); ++d) os << (d ? ", " : "") << idx[d];
  os << ')';
  return os.str();
}

void check_inputs(const std::vector<Tensor>& inputs, std::vector<size_t>& diff) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& t = inputs[i];
    if (!t.defined() || !tensor_requires_grad(t)) continue;
    TG_CHECK(t.dtype() == kFloat64, "gradcheck: input ", i, " requires grad but is ",
             dtype_name(t.dtype()), "; use float64 inputs (finite differences need the precision)");
    TG_CHECK(t.device().is_cpu(), "gradcheck: input ", i, " must be on the CPU");
    for (int d = 0; d < t.dim(); ++d)
      TG_CHECK(!(t.stride(d) == 0 && t.size(d) > 1), "gradcheck: input ", i,
               " has overlapping memory (an expanded tensor); expand inside the function instead");
    diff.push_back(i);
  }
  TG_CHECK(!diff.empty(), "gradcheck: no input requires grad");
}

std::vector<double> eval_flat(const TensorFn& fn, const std::vector<Tensor>& inputs) {
  NoGradGuard no_grad;
  Tensor out = fn(inputs);
  TG_CHECK(out.defined(), "gradcheck: the function returned an undefined tensor");
  return out.to_vector<double>();
}

}  // namespace

bool gradcheck(const TensorFn& fn, const std::vector<Tensor>& inputs, double eps, double atol,
               double rtol, bool raise_exception) {
  std::vector<size_t> diff;
  check_inputs(inputs, diff);
  Tensor out = fn(inputs);
  TG_CHECK(out.defined(), "gradcheck: the function returned an undefined tensor");
  TG_CHECK(out.dtype() == kFloat64, "gradcheck: the output must be float64, got ",
           dtype_name(out.dtype()));
  const int64_t n_out = out.numel();

  // Analytic Jacobian rows: one vector-Jacobian product per output element.
  std::vector<Tensor> diff_inputs;
  for (size_t i : diff) diff_inputs.push_back(inputs[i]);
  std::vector<std::vector<double>> analytic(diff.size());  // [input][out * numel_in + j]
  for (size_t k = 0; k < diff.size(); ++k)
    analytic[k].assign(static_cast<size_t>(n_out * inputs[diff[k]].numel()), 0.0);
  if (tensor_requires_grad(out)) {
    for (int64_t o = 0; o < n_out; ++o) {
      Tensor seed = zeros(out.sizes(), kFloat64);
      *element_ptr(seed, o) = 1.0;
      std::vector<Tensor> g = grad({out}, diff_inputs, {seed}, /*retain_graph=*/true,
                                   /*create_graph=*/false, /*allow_unused=*/true);
      for (size_t k = 0; k < diff.size(); ++k) {
        if (!g[k].defined()) continue;
        TG_CHECK(g[k].sizes() == inputs[diff[k]].sizes(), "gradcheck: gradient for input ",
                 diff[k], " has shape ", g[k].sizes(), ", expected ", inputs[diff[k]].sizes());
        std::vector<double> row = g[k].to_dense().to_vector<double>();
        std::copy(row.begin(), row.end(), analytic[k].begin() + o * static_cast<int64_t>(row.size()));
      }
    }
  }

  // Numeric Jacobian columns, compared as we go.
  for (size_t k = 0; k < diff.size(); ++k) {
    const Tensor& x = inputs[diff[k]];
    const int64_t n_in = x.numel();
    for (int64_t j = 0; j < n_in; ++j) {
      double* p = element_ptr(x, j);
      const double orig = *p;
      *p = orig + eps;
      std::vector<double> plus = eval_flat(fn, inputs);
      *p = orig - eps;
      std::vector<double> minus = eval_flat(fn, inputs);
      *p = orig;
      for (int64_t o = 0; o < n_out; ++o) {
        double numeric = (plus[o] - minus[o]) / (2 * eps);
        double a = analytic[k][static_cast<size_t>(o * n_in + j)];
        double tol = atol + rtol * std::fabs(numeric);
        if (std::fabs(a - numeric) <= tol || (std::isnan(a) && std::isnan(numeric))) continue;
        if (!raise_exception) return false;
        TG_THROW("gradcheck: Jacobian mismatch for input ", diff[k], " (shape ", x.sizes(),
                 ") at output element ", index_str(out.sizes(), o), ", input element ",
                 index_str(x.sizes(), j), ": analytic ", a, " vs numeric ", numeric,
                 " (|difference| ", std::fabs(a - numeric), " > tolerance ", tol,
                 "); output grad_fn: ",
                 out.grad_fn() ? out.grad_fn()->name() : std::string("none"));
      }
    }
  }
  return true;
}

bool gradgradcheck(const TensorFn& fn, const std::vector<Tensor>& inputs, double eps, double atol,
                   double rtol, bool raise_exception) {
  std::vector<size_t> diff;
  check_inputs(inputs, diff);
  Tensor probe;
  {
    NoGradGuard ng;
    probe = fn(inputs);
  }
  Generator gen(1234);
  Tensor v = randn(probe.sizes(), &gen, kFloat64).requires_grad_();
  std::vector<Tensor> all = inputs;
  all.push_back(v);
  TensorFn first_derivative = [&fn, &diff](const std::vector<Tensor>& args) {
    std::vector<Tensor> in(args.begin(), args.end() - 1);
    const Tensor& cot = args.back();
    Tensor out = fn(in);
    std::vector<Tensor> wrt;
    for (size_t i : diff) wrt.push_back(in[i]);
    std::vector<Tensor> flat;
    if (tensor_requires_grad(out) && GradMode::is_enabled()) {
      std::vector<Tensor> g = grad({out}, wrt, {cot}, true, /*create_graph=*/true, true);
      for (size_t k = 0; k < g.size(); ++k)
        flat.push_back(g[k].defined() ? g[k].to_dense().reshape({-1}) : zeros({wrt[k].numel()}, kFloat64));
    } else {  // evaluation without grad (numeric side): same value through a fresh graph
      EnableGradGuard eg;
      std::vector<Tensor> det = in;
      std::vector<Tensor> w2;
      for (size_t i : diff) {
        det[i] = in[i].detach().requires_grad_();
        w2.push_back(det[i]);
      }
      Tensor o2 = fn(det);
      std::vector<Tensor> g = grad({o2}, w2, {cot.detach()}, false, false, true);
      for (size_t k = 0; k < g.size(); ++k)
        flat.push_back(g[k].defined() ? g[k].to_dense().detach().reshape({-1}) : zeros({w2[k].numel()}, kFloat64));
    }
    return cat(flat, 0);
  };
  return gradcheck(first_derivative, all, eps, atol, rtol, raise_exception);
}

}  // namespace tg::autograd
