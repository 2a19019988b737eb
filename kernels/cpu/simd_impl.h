// kernels/cpu/simd_impl.h — the bodies behind simd.h, compiled once per instruction set.
//
// Included only by simd_base.cpp, simd_avx2.cpp and simd_avx512.cpp, each of which first defines
// TG_SIMD_NS (the namespace for this copy) and TG_SIMD_TABLE (the table it fills in). The ISA
// copies also rename Eigen's namespace (see simd.h for why). Everything here is either in
// TG_SIMD_NS or in (renamed) Eigen, and only plain pointers come in: no Tensor, no functors.
//
// Vector math: Eigen's packet exp/log/tanh/erf/log1p (a couple of ulp, see Eigen's
// MathFunctionsImpl.h and SpecialFunctionsImpl.h). Each chunk of kChunk elements is computed with
// them, then checked against the range where they are trusted (finite, no denormal results);
// a chunk that has any value outside it is recomputed by the caller's scalar functor (`fix`), so
// NaN, inf and denormal results are exactly those of std::.
#include <Eigen/Core>
#include <unsupported/Eigen/SpecialFunctions>

#include <cfloat>
#include <cmath>

#include "simd.h"

namespace tg::kernels::cpu::simd {
namespace TG_SIMD_NS {
namespace {

template <class T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using ColMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
template <class T>
using Vec = Eigen::Array<T, Eigen::Dynamic, 1>;

template <class T>
void gemm(const GemmArgs& g) {
  using Stride = Eigen::OuterStride<>;
  Eigen::Map<RowMat<T>, 0, Stride> c(static_cast<T*>(g.c), g.n, g.m, Stride(g.ldc));
  const T alpha = static_cast<T>(g.alpha), beta = static_cast<T>(g.beta);
  auto run = [&](const auto& A, const auto& W) {
    if (g.k == 0) {
      if (g.beta == 0) c.setZero();
      else c *= beta;
      return;
    }
    if (g.beta == 0) c.noalias() = alpha * (A * W);
    else c = beta * c + alpha * (A * W);
  };
  auto with_w = [&](const auto& A) {
    const T* w = static_cast<const T*>(g.w);
    if (g.w_row_major) run(A, Eigen::Map<const RowMat<T>, 0, Stride>(w, g.k, g.m, Stride(g.ldw)));
    else run(A, Eigen::Map<const ColMat<T>, 0, Stride>(w, g.k, g.m, Stride(g.ldw)));
  };
  const T* a = static_cast<const T*>(g.a);
  if (g.a_row_major) with_w(Eigen::Map<const RowMat<T>, 0, Stride>(a, g.n, g.k, Stride(g.lda)));
  else with_w(Eigen::Map<const ColMat<T>, 0, Stride>(a, g.n, g.k, Stride(g.lda)));
}

constexpr int64_t kChunk = 256;

// Largest finite argument for which exp stays normal and finite (float / double).
template <class T> constexpr T kExpLo = sizeof(T) == 4 ? T(-87.0) : T(-708.0);
template <class T> constexpr T kExpHi = sizeof(T) == 4 ? T(88.0) : T(709.0);
template <class T> constexpr T kMax = sizeof(T) == 4 ? T(FLT_MAX) : T(DBL_MAX);
template <class T> constexpr T kMinNormal = sizeof(T) == 4 ? T(FLT_MIN) : T(DBL_MIN);

// 1 if some x is outside [lo, hi] or NaN. Bitwise ops so that it vectorises.
template <class T>
bool any_outside(const T* x, int64_t n, T lo, T hi) {
  int bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    const bool ok = (x[i] >= lo) & (x[i] <= hi);
    bad |= static_cast<int>(!ok);
  }
  return bad != 0;
}

// Per chunk: fix() (the scalar functor) if outside(x, len) says the chunk has values the vector
// code is not trusted on, else vec(x, y, len). Both read x[i] before writing y[i] and keep
// intermediates in a scratch buffer, so y may alias x (in-place ops).
template <class T, class V, class O>
void chunked(const T* x, T* y, int64_t n, ScalarFix fix, const void* ctx, V vec, O outside) {
  for (int64_t i = 0; i < n; i += kChunk) {
    const int64_t len = n - i < kChunk ? n - i : kChunk;
    if (outside(x + i, len)) fix(ctx, x + i, y + i, len);
    else vec(x + i, y + i, len);
  }
}

template <class T>
Eigen::Map<const Vec<T>> in(const T* p, int64_t n) { return Eigen::Map<const Vec<T>>(p, n); }
template <class T>
Eigen::Map<Vec<T>> out(T* p, int64_t n) { return Eigen::Map<Vec<T>>(p, n); }

template <class T>
bool unary(VecUnary op, double pa, double pb, const T* x, T* y, int64_t n, ScalarFix fix,
           const void* ctx) {
  constexpr bool is_float = sizeof(T) == 4;
  auto range = [](T lo, T hi) { return [lo, hi](const T* p, int64_t len) { return any_outside(p, len, lo, hi); }; };
  switch (op) {
    case VecUnary::Exp:
      chunked(x, y, n, fix, ctx, [](const T* p, T* q, int64_t len) { out(q, len) = in(p, len).exp(); },
              range(kExpLo<T>, kExpHi<T>));
      return true;
    case VecUnary::Log:
      chunked(x, y, n, fix, ctx, [](const T* p, T* q, int64_t len) { out(q, len) = in(p, len).log(); },
              range(kMinNormal<T>, kMax<T>));
      return true;
    case VecUnary::Sigmoid:
      // Branch-free: e = exp(-|x|), r = 1 / (1 + e); sigmoid = x >= 0 ? r : e * r.
      chunked(x, y, n, fix, ctx, [](const T* p, T* q, int64_t len) {
        T t[kChunk];
        for (int64_t i = 0; i < len; ++i) t[i] = p[i] < T(0) ? p[i] : -p[i];
        out(t, len) = in(t, len).exp();
        for (int64_t i = 0; i < len; ++i) {
          const T e = t[i], r = T(1) / (T(1) + e);
          q[i] = p[i] >= T(0) ? r : e * r;
        }
      }, range(-kExpHi<T>, kExpHi<T>));
      return true;
    case VecUnary::Tanh:
      if (!is_float) return false;  // Eigen has no packet tanh for double
      // Eigen's rational tanh is 4-6 ulp near +-1, so it is used only for |x| < 0.625; above,
      // tanh|x| = 1 - 2 / (exp(2|x|) + 1) (no cancellation there; exp may overflow to inf: 1).
      chunked(x, y, n, fix, ctx, [](const T* p, T* q, int64_t len) {
        T t[kChunk], r[kChunk];
        for (int64_t i = 0; i < len; ++i) t[i] = T(2) * (p[i] < T(0) ? -p[i] : p[i]);
        out(t, len) = in(t, len).exp();
        out(r, len) = in(p, len).tanh();
        for (int64_t i = 0; i < len; ++i) {
          const T big = T(1) - T(2) / (t[i] + T(1));
          const T small = p[i] < T(0) ? -big : big;
          q[i] = (p[i] < T(0.625)) & (p[i] > T(-0.625)) ? r[i] : small;
        }
      }, range(-kMax<T>, kMax<T>));
      return true;
    case VecUnary::Erf:
      if (!is_float) return false;  // nor a packet erf for double
      // Clamped: Eigen's rational erf can overshoot +-1 by an ulp or two.
      chunked(x, y, n, fix, ctx, [](const T* p, T* q, int64_t len) {
        out(q, len) = in(p, len).erf().max(T(-1)).min(T(1));
      }, range(-kMax<T>, kMax<T>));
      return true;
    case VecUnary::Gelu:
      if (!is_float) return false;
      // x * 0.5 * (1 + erf(x / sqrt(2))), in the functor's order.
      chunked(x, y, n, fix, ctx, [](const T* p, T* q, int64_t len) {
        T t[kChunk];
        out(t, len) = (in(p, len) * T(0.70710678118654752440)).erf().max(T(-1)).min(T(1));
        for (int64_t i = 0; i < len; ++i) q[i] = p[i] * T(0.5) * (T(1) + t[i]);
      }, range(T(-5), kMax<T>));  // below -5, 1 + erf cancels: the scalar functor, as before
      return true;
    case VecUnary::Relu:
      if (!is_float) return false;
      // x > 0 or NaN ? x : 0, as ReluF; exact everywhere, so nothing needs the scalar fix.
      chunked(x, y, n, fix, ctx, [](const T* p, T* q, int64_t len) {
        for (int64_t i = 0; i < len; ++i) q[i] = static_cast<bool>((p[i] > T(0)) | (p[i] != p[i])) ? p[i] : T(0);
      }, [](const T*, int64_t) { return false; });
      return true;
    case VecUnary::Softplus: {
      if (!is_float) return false;
      // bx = beta * x; bx > threshold ? x : log1p(exp(bx)) / beta, as SoftplusF.
      const T beta = static_cast<T>(pa), thr = static_cast<T>(pb);
      chunked(x, y, n, fix, ctx, [beta, thr](const T* p, T* q, int64_t len) {
        T t[kChunk];
        for (int64_t i = 0; i < len; ++i) t[i] = p[i] * beta;
        out(t, len) = in(t, len).min(kExpHi<T>).exp().log1p();
        for (int64_t i = 0; i < len; ++i) q[i] = p[i] * beta > thr ? p[i] : t[i] / beta;
      }, [beta, thr](const T* p, int64_t len) {
        int bad = 0;  // trusted: bx > threshold, or exp(bx) normal and finite
        for (int64_t i = 0; i < len; ++i) {
          const T bx = p[i] * beta;
          const bool ok = (bx > thr) | ((bx >= kExpLo<T>) & (bx <= kExpHi<T>));
          bad |= static_cast<int>(!ok);
        }
        return bad != 0;
      });
      return true;
    }
  }
  return false;
}

bool unary_f32(VecUnary op, double a, double b, const float* x, float* y, int64_t n, ScalarFix fix,
               const void* ctx) {
  return unary<float>(op, a, b, x, y, n, fix, ctx);
}
bool unary_f64(VecUnary op, double a, double b, const double* x, double* y, int64_t n,
               ScalarFix fix, const void* ctx) {
  return unary<double>(op, a, b, x, y, n, fix, ctx);
}

double sum_f32(const float* p, int64_t n) {
  double dacc[kSumLanes] = {};
  for (int64_t s = 0; s < n; s += kSumSub) {
    const int64_t len = n - s < kSumSub ? n - s : kSumSub;
    const float* q = p + s;
    float acc[kSumLanes] = {};
    int64_t i = 0;
    for (; i + kSumLanes <= len; i += kSumLanes)
      for (int k = 0; k < kSumLanes; ++k) acc[k] += q[i + k];
    for (; i < len; ++i) acc[0] += q[i];
    for (int k = 0; k < kSumLanes; ++k) dacc[k] += static_cast<double>(acc[k]);
  }
  double total = 0;
  for (int k = 0; k < kSumLanes; ++k) total += dacc[k];
  return total;
}

// 32 lanes as two 64-byte vectors (GCC/Clang vector extensions: GCC leaves the scalar select
// as branches), NaN tracked on the side.
float minmax_f32(const float* p, int64_t n, bool is_max) {
  using F16 = float __attribute__((vector_size(64)));
  using I16 = int32_t __attribute__((vector_size(64)));
  const float init = is_max ? -INFINITY : INFINITY;
  F16 acc[2];
  I16 nan[2] = {};
  for (auto& a : acc)
    for (int l = 0; l < 16; ++l) a[l] = init;
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int k = 0; k < 2; ++k) {
      F16 v;
      __builtin_memcpy(&v, p + i + 16 * k, sizeof v);
      const I16 take = is_max ? (v > acc[k]) : (v < acc[k]);
      acc[k] = reinterpret_cast<F16>((reinterpret_cast<I16>(v) & take) |
                                     (reinterpret_cast<I16>(acc[k]) & ~take));
      nan[k] |= (v != v);
    }
  float r = init;
  int any_nan = 0;
  for (int k = 0; k < 2; ++k)
    for (int l = 0; l < 16; ++l) {
      r = (is_max ? acc[k][l] > r : acc[k][l] < r) ? acc[k][l] : r;
      any_nan |= nan[k][l];
    }
  for (; i < n; ++i) {
    const float v = p[i];
    r = (is_max ? v > r : v < r) ? v : r;
    any_nan |= static_cast<int>(v != v);
  }
  return any_nan ? NAN : r;
}

}  // namespace
}  // namespace TG_SIMD_NS

extern const Kernels TG_SIMD_TABLE = {
    TG_SIMD_NAME,          TG_SIMD_NS::gemm<float>,  TG_SIMD_NS::gemm<double>,
    TG_SIMD_NS::unary_f32, TG_SIMD_NS::unary_f64,    TG_SIMD_NS::sum_f32,
    TG_SIMD_NS::minmax_f32,
};

}  // namespace tg::kernels::cpu::simd
