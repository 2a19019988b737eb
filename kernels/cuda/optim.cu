// kernels/cuda/optim.cu — fused optimizer updates: one kernel per parameter instead of the
// reference sequence of ~10 elementwise ops (optim/adam.cpp, optim/sparse_adam.cpp), which stays
// the specification (the CPU backend's fused loops in kernels/cpu/cpu_backend.cpp reproduce it
// bitwise). Each kernel follows the reference expression by expression, in the parameter's dtype,
// so results agree with the CPU to float rounding.
#include "common.cuh"
#include "cuda_kernels.h"

namespace tg::kernels::cuda {
namespace {

// Adam / AdamW (no amsgrad), element i; constants are pre-cast to T as the reference ops do.
template <class T>
__global__ void adam_kernel(T* p, const T* grad, T* m, T* v, int64_t n, T beta1, T one_minus_beta1,
                            T beta2, T one_minus_beta2, T weight_decay, T decay_factor,
                            bool decoupled, T sqrt_bc2, T eps, T step_size) {
  TG_GRID_STRIDE(i, n) {
    T g = grad[i];
    T pi = p[i];
    if (decoupled) pi = pi * decay_factor;                     // p.mul_(1 - lr * wd)
    else if (weight_decay != T(0)) g = g + weight_decay * pi;  // add(grad, p, wd)
    const T mi = m[i] * beta1 + one_minus_beta1 * g;           // m.mul_(b1).add_(g, 1 - b1)
    const T vi = v[i] * beta2 + one_minus_beta2 * (g * g);     // v.mul_(b2).add_(g * g, 1 - b2)
    const T denom = sqrt(vi) / sqrt_bc2 + eps;                 // sqrt(v).div_(sqrt(bc2)).add_(eps)
    p[i] = pi - step_size * (mi / denom);                      // p.sub_(m / denom, step_size)
    m[i] = mi;
    v[i] = vi;
  }
}

// SparseAdam over coalesced rows: thread (j, c) updates column c of row rows[j].
template <class T>
__global__ void sparse_adam_kernel(T* p, T* m, T* v, const int64_t* rows, const T* values,
                                   int64_t nrows, int64_t d, T one_minus_beta1, T one_minus_beta2,
                                   T eps, T neg_step_size) {
  TG_GRID_STRIDE(t, nrows * d) {
    const int64_t j = t / d, c = t % d;
    const int64_t at = rows[j] * d + c;
    const T g = values[t];
    const T old_m = m[at], old_v = v[at];
    const T m_update = (g - old_m) * one_minus_beta1;      // sub(values, old_m).mul_(1 - b1)
    const T v_update = (g * g - old_v) * one_minus_beta2;  // mul(g, g).sub_(old_v).mul_(1 - b2)
    m[at] = old_m + m_update;
    v[at] = old_v + v_update;
    const T numer = m_update + old_m;
    const T denom = sqrt(v_update + old_v) + eps;
    p[at] = p[at] + neg_step_size * (numer / denom);  // add_sparse_(p, numer / denom, -step)
  }
}

bool same_layout(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.sizes() == b.sizes() && a.is_contiguous() && b.is_contiguous();
}

}  // namespace

bool fused_adam(const Tensor& p, const Tensor& grad, const Tensor& m, const Tensor& v,
                const Backend::AdamStep& s) {
  if (!is_floating(p.dtype()) || !same_layout(p, grad) || !same_layout(p, m) || !same_layout(p, v))
    return false;
  const int64_t n = p.numel();
  if (n == 0) return true;
  dispatch_floating(p.dtype(), "adam", [&]<class T>() {
    adam_kernel<T><<<blocks_for(n), kThreads, 0, stream()>>>(
        ptr<T>(p), ptr<T>(grad), ptr<T>(m), ptr<T>(v), n, static_cast<T>(s.beta1),
        static_cast<T>(1.0 - s.beta1), static_cast<T>(s.beta2), static_cast<T>(1.0 - s.beta2),
        static_cast<T>(s.weight_decay), static_cast<T>(1.0 - s.lr * s.weight_decay), s.decoupled,
        static_cast<T>(std::sqrt(s.bias_correction2)), static_cast<T>(s.eps),
        static_cast<T>(s.lr / s.bias_correction1));
  });
  TG_CUDA_CHECK_LAUNCH();
  return true;
}

bool fused_sparse_adam(const Tensor& p, const Tensor& m, const Tensor& v, const Tensor& rows,
                       const Tensor& values, const Backend::SparseAdamStep& s) {
  if (!is_floating(p.dtype()) || p.dim() < 1 || !same_layout(p, m) || !same_layout(p, v) ||
      values.dtype() != p.dtype() || !values.is_contiguous() || !rows.is_contiguous() ||
      rows.dtype() != kInt64 || values.dim() != p.dim() || values.size(0) != rows.numel() ||
      values.numel() != rows.numel() * (p.size(0) ? p.numel() / p.size(0) : 0))
    return false;
  const int64_t nrows = rows.numel();
  const int64_t d = p.size(0) ? p.numel() / p.size(0) : 0;
  if (nrows * d == 0) return true;
  dispatch_floating(p.dtype(), "SparseAdam", [&]<class T>() {
    sparse_adam_kernel<T><<<blocks_for(nrows * d), kThreads, 0, stream()>>>(
        ptr<T>(p), ptr<T>(m), ptr<T>(v), ptr<int64_t>(rows), ptr<T>(values), nrows, d,
        static_cast<T>(1.0 - s.beta1), static_cast<T>(1.0 - s.beta2), static_cast<T>(s.eps),
        static_cast<T>(-s.step_size));
  });
  TG_CUDA_CHECK_LAUNCH();
  return true;
}

}  // namespace tg::kernels::cuda
