// kernels/cpu/cpu_backend.cpp — the CPU backend object: memory, plus forwarding to the kernels.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "../../autograd/grad_mode.h"
#include "block_cache.h"
#include "cpu_kernels.h"
#include "parallel.h"

namespace tg::kernels {
namespace cpu {

Tensor restride(const Tensor& t, const DimVec& sizes, const DimVec& strides) {
  return Tensor(std::make_shared<TensorImpl>(t.impl().storage(), sizes, strides,
                                             t.storage_offset(), t.dtype()));
}

void split_around(const DimVec& sizes, int dim, int64_t& a, int64_t& r, int64_t& b) {
  a = 1;
  b = 1;
  for (int d = 0; d < dim; ++d) a *= sizes[d];
  r = sizes.size() ? sizes[dim] : 1;
  for (int d = dim + 1; d < sizes.size(); ++d) b *= sizes[d];
}

namespace {

// Fused optimizer updates: one pass per parameter (per touched row for SparseAdam) instead of the
// ~10 elementwise ops of the reference sequence in optim/adam.cpp and optim/sparse_adam.cpp.
// Each follows the reference expression by expression, in the parameter's dtype, with the
// constants rounded to T as the reference's scalar operands are; each product and sum is its own
// statement and nothing is contracted into an FMA, so the results are bitwise those of the
// reference ops (tests/test_fused_ops.cpp) — as the CUDA kernels (kernels/cuda/optim.cu) do.
bool same_layout(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.sizes() == b.sizes() && a.is_contiguous() &&
         b.is_contiguous();
}

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#define TG_NO_CONTRACT
#elif defined(__GNUC__)
#define TG_NO_CONTRACT __attribute__((optimize("fp-contract=off")))
#else
#define TG_NO_CONTRACT
#endif

// y[i] = sqrt(y[i]) for i < n: sqrtps / sqrtpd (as exact as the scalar sqrt). A plain std::sqrt
// loop is not vectorised: with errno semantics GCC keeps a branch to the libm call per element.
template <class T>
void sqrt_inplace(T* y, int64_t n) {
  int64_t i = 0;
#if defined(__SSE2__)
  if constexpr (std::is_same_v<T, float>) {
    for (; i + 4 <= n; i += 4) _mm_storeu_ps(y + i, _mm_sqrt_ps(_mm_loadu_ps(y + i)));
  } else {
    for (; i + 2 <= n; i += 2) _mm_storeu_pd(y + i, _mm_sqrt_pd(_mm_loadu_pd(y + i)));
  }
#endif
  for (; i < n; ++i) y[i] = std::sqrt(y[i]);
}

template <class T>
TG_NO_CONTRACT void adam_range(T* p, const T* grad, T* m, T* v, int64_t b, int64_t e, T beta1,
                               T one_minus_beta1, T beta2, T one_minus_beta2, T weight_decay,
                               T decay_factor, bool decoupled, T sqrt_bc2, T eps, T step_size) {
  constexpr int64_t kBlock = 256;
  T root[kBlock];
  for (int64_t b0 = b; b0 < e; b0 += kBlock) {
    const int64_t n = e - b0 < kBlock ? e - b0 : kBlock;
    T* __restrict pp = p + b0;
    T* __restrict mp = m + b0;
    T* __restrict vp = v + b0;
    const T* __restrict gp = grad + b0;
    for (int64_t i = 0; i < n; ++i) {
      T g = gp[i];
      if (!decoupled && weight_decay != T(0)) {
        const T wp = weight_decay * pp[i];  // add(grad, p, wd)
        g = g + wp;
      }
      const T m1 = mp[i] * beta1;  // m.mul_(b1).add_(g, 1 - b1)
      const T m2 = one_minus_beta1 * g;
      mp[i] = m1 + m2;
      const T v1 = vp[i] * beta2;  // v.mul_(b2).add_(g * g, 1 - b2)
      const T gg = g * g;
      const T v2 = one_minus_beta2 * gg;
      const T vi = v1 + v2;
      vp[i] = vi;
      root[i] = vi;
    }
    sqrt_inplace(root, n);
    for (int64_t i = 0; i < n; ++i) {
      T pi = pp[i];
      if (decoupled) pi = pi * decay_factor;  // p.mul_(1 - lr * wd), before the step
      const T s = root[i] / sqrt_bc2;  // sqrt(v).div_(sqrt(bc2)).add_(eps)
      const T denom = s + eps;
      const T q = mp[i] / denom;  // p.sub_(m / denom, step_size)
      const T sq = step_size * q;
      pp[i] = pi - sq;
    }
  }
}

template <class T>
TG_NO_CONTRACT void sparse_adam_rows(T* p, T* m, T* v, const int64_t* rows, const T* values,
                                     int64_t j0, int64_t j1, int64_t d, T one_minus_beta1,
                                     T one_minus_beta2, T eps, T neg_step_size) {
  for (int64_t j = j0; j < j1; ++j) {
    T* __restrict pr = p + rows[j] * d;
    T* __restrict mr = m + rows[j] * d;
    T* __restrict vr = v + rows[j] * d;
    const T* __restrict g = values + j * d;
    constexpr int64_t kBlock = 256;
    T root[kBlock];
    for (int64_t c0 = 0; c0 < d; c0 += kBlock) {
      const int64_t n = d - c0 < kBlock ? d - c0 : kBlock;
      for (int64_t c = c0; c < c0 + n; ++c) {
        const T old_m = mr[c], old_v = vr[c];
        const T m_diff = g[c] - old_m;  // sub(values, old_m).mul_(1 - b1)
        const T m_update = m_diff * one_minus_beta1;
        const T g2 = g[c] * g[c];  // mul(g, g).sub_(old_v).mul_(1 - b2)
        const T v_diff = g2 - old_v;
        const T v_update = v_diff * one_minus_beta2;
        // add_sparse_(m, m_update) is index_add with alpha 1; the reference's numer =
        // m_update + old_m and v_update + old_v are these same sums (addition commutes)
        const T new_v = old_v + v_update;
        mr[c] = old_m + m_update;
        vr[c] = new_v;
        root[c - c0] = new_v;
      }
      sqrt_inplace(root, n);
      for (int64_t c = c0; c < c0 + n; ++c) {
        const T denom = root[c - c0] + eps;
        const T q = mr[c] / denom;
        const T step = neg_step_size * q;  // add_sparse_(p, numer / denom, -step_size)
        pr[c] = pr[c] + step;
      }
    }
  }
}

class CpuBackend final : public Backend {
 public:
  const char* name() const override { return "cpu"; }

  // Blocks of up to 256 B come from malloc (glibc keeps per-thread caches of them); larger ones
  // are 64-byte aligned for vector loads: up to 64 KiB from a per-thread cache of freed blocks,
  // from 1 MiB on through the block cache (their pages stay mapped for the next tensor of their
  // size class; block_cache.h).
  void* allocate(size_t nbytes) override {
    // Beyond PTRDIFF_MAX no allocation can succeed (and rounding up below could wrap to 0).
    TG_CHECK(nbytes <= static_cast<size_t>(PTRDIFF_MAX), "allocate: out of memory allocating ",
             nbytes, " bytes on cpu");
    namespace small = cpu::small_blocks;
    void* p = nbytes <= small::kSmallMin            ? std::malloc(nbytes ? nbytes : 1)
              : nbytes <= small::kSmallMax          ? small::allocate(nbytes)
              : nbytes < cpu::BlockCache::kMinBytes ? std::aligned_alloc(64, (nbytes + 63) / 64 * 64)
                                                    : cpu::block_cache().allocate(nbytes);
    TG_CHECK(p != nullptr, "allocate: out of memory allocating ", nbytes, " bytes on cpu");
    return p;
  }
  void deallocate(void* ptr, size_t nbytes) override {
    if (nbytes >= cpu::BlockCache::kMinBytes) cpu::block_cache().release(ptr, nbytes);
    else if (nbytes > cpu::small_blocks::kSmallMin && nbytes <= cpu::small_blocks::kSmallMax)
      cpu::small_blocks::release(ptr, nbytes);
    else std::free(ptr);
  }
  void copy_from_host(void* dst, const void* src, size_t n) override {
    if (n) std::memcpy(dst, src, n);
  }
  void copy_to_host(void* dst, const void* src, size_t n) override {
    if (n) std::memcpy(dst, src, n);
  }

  void copy(const Tensor& src, const Tensor& dst) override { cpu::copy(src, dst); }
  void fill(const Tensor& dst, Scalar v) override { cpu::fill(dst, v); }
  void unary(UnaryOp op, const UnaryParams& p, const Tensor& x, const Tensor& out) override {
    cpu::unary(op, p, x, out);
  }
  void binary(BinaryOp op, double alpha, const Tensor& a, const Tensor& b,
              const Tensor& out) override {
    cpu::binary(op, alpha, a, b, out);
  }
  void where(const Tensor& c, const Tensor& a, const Tensor& b, const Tensor& out) override {
    cpu::where(c, a, b, out);
  }
  void reduce(ReduceOp op, const Tensor& x, const bool* r, const Tensor& out) override {
    NoGradGuard ng;  // kernels may build internal views
    cpu::reduce(op, x, r, out);
  }
  void arg_reduce(bool is_max, const Tensor& x, int dim, const Tensor& v,
                  const Tensor& i) override {
    NoGradGuard ng;  // kernels may build internal views
    cpu::arg_reduce(is_max, x, dim, v, i);
  }
  void gemm(const Tensor& a, const Tensor& w, const Tensor& out, double alpha,
            double beta) override {
    NoGradGuard ng;  // kernels may build internal views
    cpu::gemm(a, w, out, alpha, beta);
  }
  void index_select(const Tensor& x, int dim, const Tensor& idx, const Tensor& out) override {
    NoGradGuard ng;  // kernels may build internal views
    cpu::index_select(x, dim, idx, out);
  }
  void gather(const Tensor& x, int dim, const Tensor& idx, const Tensor& out) override {
    NoGradGuard ng;  // kernels may build internal views
    cpu::gather(x, dim, idx, out);
  }
  void scatter(const Tensor& out, int dim, const Tensor& idx, const Tensor& src,
               bool acc) override {
    NoGradGuard ng;  // kernels may build internal views
    cpu::scatter(out, dim, idx, src, acc);
  }
  int gather_checked(const Tensor& x, int dim, const Tensor& idx, const Tensor& out,
                     int64_t size) override {
    NoGradGuard ng;
    return cpu::gather(x, dim, idx, out, static_cast<uint64_t>(size)) ? 1 : 0;
  }
  int scatter_checked(const Tensor& out, int dim, const Tensor& idx, const Tensor& src, bool acc,
                      int64_t size) override {
    NoGradGuard ng;
    return cpu::scatter(out, dim, idx, src, acc, static_cast<uint64_t>(size)) ? 1 : 0;
  }
  void index_add(const Tensor& out, int dim, const Tensor& idx, const Tensor& src,
                 double alpha) override {
    NoGradGuard ng;  // kernels may build internal views
    cpu::index_add(out, dim, idx, src, alpha);
  }
  bool index_minmax(const Tensor& index, int64_t& mn, int64_t& mx) override {
    return cpu::index_minmax(index, mn, mx);
  }
  void sort_rows(const Tensor& x, bool desc, int64_t k, const Tensor& v,
                 const Tensor& i) override {
    NoGradGuard ng;  // kernels may build internal views
    cpu::sort_rows(x, desc, k, v, i);
  }
  void softmax(const Tensor& x, int dim, bool log, const Tensor& out) override {
    NoGradGuard ng;  // kernels may build internal views
    cpu::softmax(x, dim, log, out);
  }
  bool cholesky_solve(const Tensor& a, const Tensor& b, const Tensor& out) override {
    NoGradGuard ng;
    return cpu::cholesky_solve(a, b, out);
  }
  void uniform(const Tensor& out, uint64_t s, uint64_t o, double lo, double hi) override {
    cpu::uniform(out, s, o, lo, hi);
  }
  void normal(const Tensor& out, uint64_t s, uint64_t o, double m, double sd) override {
    cpu::normal(out, s, o, m, sd);
  }
  void randint(const Tensor& out, uint64_t s, uint64_t o, int64_t lo, int64_t hi) override {
    cpu::randint(out, s, o, lo, hi);
  }

  bool fused_adam(const Tensor& p, const Tensor& grad, const Tensor& m, const Tensor& v,
                  const AdamStep& s) override {
    if (!is_floating(p.dtype()) || !same_layout(p, grad) || !same_layout(p, m) ||
        !same_layout(p, v))
      return false;
    const int64_t n = p.numel();
    if (n == 0) return true;
    dispatch_floating(p.dtype(), "adam", [&]<class T>() {
      T* pp = static_cast<T*>(p.data_ptr());
      const T* gp = static_cast<const T*>(grad.data_ptr());
      T* mp = static_cast<T*>(m.data_ptr());
      T* vp = static_cast<T*>(v.data_ptr());
      parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
        adam_range<T>(pp, gp, mp, vp, b, e, static_cast<T>(s.beta1),
                      static_cast<T>(1.0 - s.beta1), static_cast<T>(s.beta2),
                      static_cast<T>(1.0 - s.beta2), static_cast<T>(s.weight_decay),
                      static_cast<T>(1.0 - s.lr * s.weight_decay), s.decoupled,
                      static_cast<T>(std::sqrt(s.bias_correction2)), static_cast<T>(s.eps),
                      static_cast<T>(s.lr / s.bias_correction1));
      });
    });
    return true;
  }
  bool fused_sparse_adam(const Tensor& p, const Tensor& m, const Tensor& v, const Tensor& rows,
                         const Tensor& values, const SparseAdamStep& s) override {
    if (!is_floating(p.dtype()) || p.dim() < 1 || !same_layout(p, m) || !same_layout(p, v) ||
        values.dtype() != p.dtype() || !values.is_contiguous() || !rows.is_contiguous() ||
        rows.dtype() != kInt64 || values.dim() != p.dim() || values.size(0) != rows.numel() ||
        values.numel() != rows.numel() * (p.size(0) ? p.numel() / p.size(0) : 0))
      return false;
    const int64_t nrows = rows.numel();
    const int64_t d = p.size(0) ? p.numel() / p.size(0) : 0;
    if (nrows * d == 0) return true;
    const int64_t* rp = static_cast<const int64_t*>(rows.data_ptr());
    const int64_t limit = p.size(0);
    for (int64_t j = 0; j < nrows; ++j)  // the rows come from a coalesce: unique and in range
      TG_CHECK(rp[j] >= 0 && rp[j] < limit, "SparseAdam: row ", rp[j], " out of range [0, ",
               limit, ")");
    dispatch_floating(p.dtype(), "SparseAdam", [&]<class T>() {
      T* pp = static_cast<T*>(p.data_ptr());
      T* mp = static_cast<T*>(m.data_ptr());
      T* vp = static_cast<T*>(v.data_ptr());
      const T* gp = static_cast<const T*>(values.data_ptr());
      parallel_for(nrows, std::max<int64_t>(1, kGrain / std::max<int64_t>(d, 1)),
                   [&](int64_t j0, int64_t j1) {
        sparse_adam_rows<T>(pp, mp, vp, rp, gp, j0, j1, d, static_cast<T>(1.0 - s.beta1),
                            static_cast<T>(1.0 - s.beta2), static_cast<T>(s.eps),
                            static_cast<T>(-s.step_size));
      });
    });
    return true;
  }
};

}  // namespace
}  // namespace cpu

}  // namespace tg::kernels

namespace tg {

void set_num_threads(int n) {
  TG_CHECK(n >= 1, "set_num_threads: expected at least 1 thread, got ", n);
#ifdef _OPENMP
  omp_set_num_threads(n);
#endif
}

int get_num_threads() { return kernels::cpu::max_threads(); }

}  // namespace tg

namespace tg::kernels {

Backend& cpu_backend() {
  static cpu::CpuBackend b;
  return b;
}

}  // namespace tg::kernels
