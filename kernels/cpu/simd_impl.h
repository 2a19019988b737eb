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
// NaN, inf and denormal results are exactly those of std::. float exp (and the exps inside float
// sigmoid, tanh and the softmax row) is our own (exp_core, <= 1 ulp) and checked lane by lane
// instead: an element outside its range gets the scalar functor, its neighbours keep the vector
// result (lane_map).
#include <Eigen/Core>
#include <unsupported/Eigen/SpecialFunctions>

#include <cfloat>
#include <cmath>
#if defined(__SSE2__)
#include <immintrin.h>
#endif

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

// 64-byte vectors (GCC/Clang vector extensions), lowered to whatever the TU's ISA has: one zmm,
// two ymm or four xmm. Used where GCC's auto-vectoriser does badly: sum lanes kept in registers
// (as a float[32] array, GCC stored both accumulators back to the stack on every step, capping
// the row sum at ~8 floats per cycle), max/min as plain maxps/minps, relu without chunking.
using F16 = float __attribute__((vector_size(64)));
using F8 = float __attribute__((vector_size(32)));
using D8 = double __attribute__((vector_size(64)));
using I16 = int32_t __attribute__((vector_size(64)));
static_assert(kSumLanes == 32, "the sum lanes are two F16 vectors");

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

// ---- float exp in native vectors ------------------------------------------------------------
// Eigen's packet exp spends most of its time in pldexp and its clamps; this one is a Cephes/Sleef
// style exp for inputs already known to be in [kExpLo, kExpHi] (normal, finite results), which is
// all callers ask of it: n = round(x log2 e) by the 1.5 * 2^23 trick, r = x - n ln2 in two FMA
// steps (Cody-Waite; ln2_hi has 9 bits, so n ln2_hi is exact without FMA too), a degree-6
// polynomial for e^r on |r| <= ln2 / 2 (minimax for relative error, 0.07 ulp with float
// coefficients), and 2^n added to the exponent field as an integer. <= 1 ulp against the correctly
// rounded exp on every ISA (tests/test_simd_exp.cpp). FV is one native register: zmm, ymm or xmm.
#if defined(__AVX512F__)
using FV = F16;
#elif defined(__AVX2__) && defined(__FMA__)
using FV = F8;
#else
using FV = float __attribute__((vector_size(16)));
#endif
using UV = uint32_t __attribute__((vector_size(sizeof(FV))));
constexpr int kLanes = static_cast<int>(sizeof(FV) / sizeof(float));

// a * b + c, fused where the ISA has FMA (the SSE2 copy rounds twice; its bound is tested too).
inline FV fmadd(FV a, FV b, FV c) {
#if defined(__AVX512F__)
  return (FV)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
#elif defined(__AVX2__) && defined(__FMA__)
  return (FV)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
#else
  return a * b + c;
#endif
}

// True if every lane of u is in [lo, hi] (false for NaN).
inline bool all_in(FV u, float lo, float hi) {
#if defined(__AVX512F__)
  const __mmask16 ge = _mm512_cmp_ps_mask((__m512)u, _mm512_set1_ps(lo), _CMP_GE_OQ);
  return _mm512_mask_cmp_ps_mask(ge, (__m512)u, _mm512_set1_ps(hi), _CMP_LE_OQ) == 0xFFFF;
#elif defined(__AVX2__) && defined(__FMA__)
  const __m256 ok = _mm256_and_ps(_mm256_cmp_ps((__m256)u, _mm256_set1_ps(lo), _CMP_GE_OQ),
                                  _mm256_cmp_ps((__m256)u, _mm256_set1_ps(hi), _CMP_LE_OQ));
  return _mm256_movemask_ps(ok) == 0xFF;
#elif defined(__SSE2__)
  const __m128 ok = _mm_and_ps(_mm_cmpge_ps((__m128)u, _mm_set1_ps(lo)),
                               _mm_cmple_ps((__m128)u, _mm_set1_ps(hi)));
  return _mm_movemask_ps(ok) == 0xF;
#else
  bool ok = true;
  for (int l = 0; l < kLanes; ++l) ok &= (u[l] >= lo) & (u[l] <= hi);
  return ok;
#endif
}

// e^u for lanes in [kExpLo, kExpHi]; other lanes get garbage (the callers replace them).
inline FV exp_core(FV u) {
  constexpr float kLog2e = 0x1.715476p+0f, kRound = 0x1.8p23f;
  constexpr float kLn2Hi = 0x1.63p-1f, kLn2Lo = -0x1.bd0106p-13f;  // ln2 = hi + lo
  const FV t = fmadd(u, FV{} + kLog2e, FV{} + kRound);  // 1.5 * 2^23 + n: n in the low bits
  const FV n = t - kRound;
  FV r = fmadd(n, FV{} - kLn2Hi, u);
  r = fmadd(n, FV{} - kLn2Lo, r);
  const FV r2 = r * r;
  FV p = fmadd(FV{} + 0x1.6a2256p-10f, r, FV{} + 0x1.123b02p-7f);
  p = fmadd(p, r, FV{} + 0x1.5558f8p-5f);
  p = fmadd(p, r, FV{} + 0x1.55549p-3f);
  p = fmadd(p, r, FV{} + 0x1.fffffcp-2f);
  p = fmadd(p, r2, r) + 1.0f;          // e^r = 1 + r + r^2 P(r), in [0.70, 1.42]
  return (FV)((UV)p + ((UV)t << 23));  // * 2^n: the low 9 bits of t's field are n mod 512
}

// lane_map's fast part: y = body(prep(x)) over whole vectors from i on while every lane is in
// [lo, hi]; returns where it stopped (at a vector with a lane outside, or the last whole vector's
// end). Out of line and free of calls, so its loop keeps the constants in registers (inlined next
// to the `fix` call, GCC spilled them and reloaded all of them on every step).
template <class Prep, class Body>
__attribute__((noinline)) int64_t lane_run(const float* x, float* y, int64_t i, int64_t n, float lo,
                                           float hi, Prep prep, Body body) {
  for (; i + kLanes <= n; i += kLanes) {
    FV v;
    __builtin_memcpy(&v, x + i, sizeof v);
    const FV u = prep(v), r = body(u);
    if (!all_in(u, lo, hi)) break;
    __builtin_memcpy(y + i, &r, sizeof r);
  }
  return i;
}

// y[i] = body(u) with u = prep(x[i]) where u is in [lo, hi]; where it is not (or NaN), y[i] =
// fix(u), the scalar functor on that element alone. So each result depends on its own element
// only, not on its neighbours, the chunking, the vector width or the thread split. x[i] is read
// before y[i] is written, so y may be x.
template <class Prep, class Body>
void lane_map(const float* x, float* y, int64_t n, float lo, float hi, ScalarFix fix,
              const void* ctx, Prep prep, Body body) {
  auto patch = [&](FV u, float* dst, int len) {  // dst = body(u), then fix on the lanes outside
    alignas(64) float us[kLanes], rs[kLanes];
    const FV r = body(u);
    __builtin_memcpy(us, &u, sizeof u);
    __builtin_memcpy(rs, &r, sizeof r);
    for (int l = 0; l < len; ++l)
      if (!((us[l] >= lo) & (us[l] <= hi))) fix(ctx, us + l, rs + l, 1);
    __builtin_memcpy(dst, rs, sizeof(float) * static_cast<size_t>(len));
  };
  int64_t i = 0;
  while ((i = lane_run(x, y, i, n, lo, hi, prep, body)) + kLanes <= n) {
    FV v;  // a vector with a lane outside
    __builtin_memcpy(&v, x + i, sizeof v);
    patch(prep(v), y + i, kLanes);
    i += kLanes;
  }
  if (i < n) {  // the tail, zero-padded: its lanes are checked one by one
    const int len = static_cast<int>(n - i);
    FV v = {};
    __builtin_memcpy(&v, x + i, sizeof(float) * static_cast<size_t>(len));
    patch(prep(v), y + i, len);
  }
}

// t[0, len) = exp(t) in place, for t already known to be in [kExpLo, kExpHi] (no checks).
inline void exp_trusted(float* t, int64_t len) {
  int64_t i = 0;
  for (; i + kLanes <= len; i += kLanes) {
    FV v;
    __builtin_memcpy(&v, t + i, sizeof v);
    v = exp_core(v);
    __builtin_memcpy(t + i, &v, sizeof v);
  }
  if (i < len) {
    FV v = {};
    __builtin_memcpy(&v, t + i, sizeof(float) * static_cast<size_t>(len - i));
    v = exp_core(v);
    __builtin_memcpy(t + i, &v, sizeof(float) * static_cast<size_t>(len - i));
  }
}
inline void exp_trusted(double* t, int64_t len) { out(t, len) = in(t, len).exp(); }

// lane_map's prep and body for exp and sigmoid. sigmoid: e = exp(-|v|), r = 1 / (1 + e); v >= 0 ?
// r : e * r, so lanes need |v| <= -kExpLo.
constexpr auto kSame = [](FV v) { return v; };
constexpr auto kExp = [](FV u) { return exp_core(u); };
constexpr auto kSigmoid = [](FV v) {
  const FV e = exp_core(v < 0.0f ? v : -v), r = 1.0f / (1.0f + e);
  return v >= 0.0f ? r : e * r;
};

template <class T>
bool unary(VecUnary op, double pa, double pb, const T* x, T* y, int64_t n, ScalarFix fix,
           const void* ctx) {
  constexpr bool is_float = sizeof(T) == 4;
  auto range = [](T lo, T hi) { return [lo, hi](const T* p, int64_t len) { return any_outside(p, len, lo, hi); }; };
  switch (op) {
    case VecUnary::Exp:
      if constexpr (is_float) {
        lane_map(x, y, n, kExpLo<float>, kExpHi<float>, fix, ctx, kSame, kExp);
      } else {
        chunked(
            x, y, n, fix, ctx,
            [](const T* p, T* q, int64_t len) { out(q, len) = in(p, len).exp(); },
            range(kExpLo<T>, kExpHi<T>));
      }
      return true;
    case VecUnary::Log:
      chunked(x, y, n, fix, ctx, [](const T* p, T* q, int64_t len) { out(q, len) = in(p, len).log(); },
              range(kMinNormal<T>, kMax<T>));
      return true;
    case VecUnary::Sigmoid:
      // Branch-free: e = exp(-|x|), r = 1 / (1 + e); sigmoid = x >= 0 ? r : e * r.
      if constexpr (is_float) {  // |x| > -kExpLo (87) takes the scalar fix
        lane_map(x, y, n, kExpLo<float>, -kExpLo<float>, fix, ctx, kSame, kSigmoid);
        return true;
      }
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
      // tanh|x| = 1 - 2 / (exp(2|x|) + 1) (no cancellation there), with exp_core on
      // min(2|x|, 88): past 2|x| = 88, tanh rounds to 1 either way.
      chunked(x, y, n, fix, ctx, [](const T* p, T* q, int64_t len) {
        T t[kChunk], r[kChunk];
        for (int64_t i = 0; i < len; ++i) {
          const T a = T(2) * (p[i] < T(0) ? -p[i] : p[i]);
          t[i] = a < kExpHi<T> ? a : kExpHi<T>;
        }
        exp_trusted(t, len);
        out(r, len) = in(p, len).tanh();
        for (int64_t i = 0; i < len; ++i) {
          const T big = T(1) - T(2) / (t[i] + T(1));
          const T small = p[i] < T(0) ? -big : big;
          q[i] = ((p[i] < T(0.625)) & (p[i] > T(-0.625))) ? r[i] : small;
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
      // x > 0 or NaN ? x : 0, as ReluF; exact everywhere, so it needs neither the scalar fix nor
      // the chunking: one flat loop of 64-byte vectors.
      if constexpr (is_float) {
        int64_t i = 0;
        for (; i + 16 <= n; i += 16) {
          F16 v;
          __builtin_memcpy(&v, x + i, sizeof v);
          const I16 keep = (v > 0.0f) | (v != v);
          const F16 r = keep ? v : F16{};
          __builtin_memcpy(y + i, &r, sizeof r);
        }
        for (; i < n; ++i) y[i] = static_cast<bool>((x[i] > T(0)) | (x[i] != x[i])) ? x[i] : T(0);
        return true;
      }
      return false;
    case VecUnary::DropoutMask:
      // u >= p ? scale : 0 with p and scale rounded to float first, as DropoutMaskF (exact: a
      // compare and a select, so no fix-up is needed). Unit stride, in place allowed.
      if constexpr (is_float) {
        const float pf = static_cast<float>(pa), sf = static_cast<float>(pb);
        F16 vs, vz = {};
        for (int l = 0; l < 16; ++l) vs[l] = sf;
        int64_t i = 0;
        for (; i + 16 <= n; i += 16) {
          F16 v;
          __builtin_memcpy(&v, x + i, sizeof v);
          const F16 r = v >= pf ? vs : vz;
          __builtin_memcpy(y + i, &r, sizeof r);
        }
        for (; i < n; ++i) y[i] = x[i] >= pf ? sf : 0.0f;
        return true;
      }
      return false;
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

// dacc[lane] += the float sum of q[0, len) in lane (i mod 32) order, with the tail in lane 0:
// one sum sub-block (len <= kSumSub).
inline void sum_sub_block(const float* q, int64_t len, D8 dacc[4]) {
  F16 acc0 = {}, acc1 = {};
  int64_t i = 0;
  for (; i + kSumLanes <= len; i += kSumLanes) {
    F16 v0, v1;
    __builtin_memcpy(&v0, q + i, sizeof v0);
    __builtin_memcpy(&v1, q + i + 16, sizeof v1);
    acc0 += v0;
    acc1 += v1;
  }
  for (; i < len; ++i) acc0[0] += q[i];
  const F8 h0 = __builtin_shufflevector(acc0, acc0, 0, 1, 2, 3, 4, 5, 6, 7);
  const F8 h1 = __builtin_shufflevector(acc0, acc0, 8, 9, 10, 11, 12, 13, 14, 15);
  const F8 h2 = __builtin_shufflevector(acc1, acc1, 0, 1, 2, 3, 4, 5, 6, 7);
  const F8 h3 = __builtin_shufflevector(acc1, acc1, 8, 9, 10, 11, 12, 13, 14, 15);
  dacc[0] += __builtin_convertvector(h0, D8);
  dacc[1] += __builtin_convertvector(h1, D8);
  dacc[2] += __builtin_convertvector(h2, D8);
  dacc[3] += __builtin_convertvector(h3, D8);
}

// The double lanes added up in lane order.
inline double sum_lanes(const D8 dacc[4]) {
  double total = 0;
  for (int k = 0; k < 4; ++k)
    for (int l = 0; l < 8; ++l) total += dacc[k][l];
  return total;
}

double sum_f32(const float* p, int64_t n) {
  D8 dacc[4] = {};
  for (int64_t s = 0; s < n; s += kSumSub)
    sum_sub_block(p + s, n - s < kSumSub ? n - s : kSumSub, dacc);
  return sum_lanes(dacc);
}

// exp(x - shift) per chunk of kChunk (== kSumSub) in a stack buffer, summed as sum_f32 sums its
// sub-blocks, so the result equals sum_f32 over the stored exps bit for bit.
static_assert(kChunk == kSumSub, "exp_shift_sum_f32 sums one chunk per sum sub-block");
double exp_shift_sum_f32(const float* x, float shift, float* y, int64_t n, ScalarFix fix,
                         const void* ctx) {
  D8 dacc[4] = {};
  alignas(64) float scratch[kChunk];
  for (int64_t s = 0; s < n; s += kChunk) {
    const int64_t len = n - s < kChunk ? n - s : kChunk;
    float* t = y ? y + s : scratch;  // softmax: straight into the output, which stays in L1
    const auto shifted = [shift](FV v) { return v - shift; };
    lane_map(x + s, t, len, kExpLo<float>, kExpHi<float>, fix, ctx, shifted, kExp);
    sum_sub_block(t, len, dacc);
  }
  return sum_lanes(dacc);
}

// The last pass of a softmax row: y = x - shift - factor (log_softmax, factor = log sum) or
// y *= factor (softmax, factor = 1 / sum), in the vector width of this TU.
void softmax_finish_f32(const float* x, float* y, int64_t n, float shift, float factor, bool log) {
  if (log)
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] - shift - factor;
  else
    for (int64_t i = 0; i < n; ++i) y[i] *= factor;
}

// Philox-4x32-10 for 8 counters at once, each 32-bit word held in a 64-bit lane so that the
// 32 x 32 -> 64-bit products are plain lane multiplies (vpmuludq). Must match Philox in
// kernels/functors.h, which this TU may not include (see simd.h).
using U8 = uint64_t __attribute__((vector_size(64)));
using I8 = int32_t __attribute__((vector_size(32)));
// a * k for lanes a < 2^32 and k < 2^32, as vpmuludq / pmuludq. Written as `a * k` on 64-bit
// lanes, GCC emits vpmullq (a full 64 x 64 multiply, 3 uops and 15 cycles of latency on Intel),
// because it cannot see that the high halves are zero; that made the fill 2-3x slower.
// (Out-parameter, not a return value: a 64-byte vector returned by value draws GCC's -Wpsabi in
// the SSE2 and AVX2 copies.)
inline void mul_lo32(const U8& a, uint64_t k, U8& out) {
#if defined(__AVX512F__)
  __m512i va;
  __builtin_memcpy(&va, &a, sizeof va);
  const __m512i r = _mm512_mul_epu32(va, _mm512_set1_epi64(static_cast<long long>(k)));
  __builtin_memcpy(&out, &r, sizeof out);
#elif defined(__AVX2__)
  __m256i va[2];
  __builtin_memcpy(va, &a, sizeof va);
  const __m256i vk = _mm256_set1_epi64x(static_cast<long long>(k));
  const __m256i r[2] = {_mm256_mul_epu32(va[0], vk), _mm256_mul_epu32(va[1], vk)};
  __builtin_memcpy(&out, r, sizeof out);
#elif defined(__SSE2__)
  __m128i va[4];
  __builtin_memcpy(va, &a, sizeof va);
  const __m128i vk = _mm_set1_epi64x(static_cast<long long>(k));
  const __m128i r[4] = {_mm_mul_epu32(va[0], vk), _mm_mul_epu32(va[1], vk),
                        _mm_mul_epu32(va[2], vk), _mm_mul_epu32(va[3], vk)};
  __builtin_memcpy(&out, r, sizeof out);
#else
  out = a * k;
#endif
}
// lo + span * u is two roundings on every ISA, as in the scalar and CUDA generators. The ISA
// copies compile with -mfma; the ISO C++ mode this project builds in keeps GCC from contracting
// across statements, and the attribute keeps it so in a GNU-mode build (-ffp-contract=fast), where
// a float fill with lo != 0 would differ in the last bit between ISAs (tests/test_nn_init.cpp).
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("fp-contract=off")))
#endif
void uniform_f32(float* p, int64_t n, uint64_t seed, uint64_t ctr0, float lo, float span) {
  constexpr uint64_t kLo32 = 0xFFFFFFFFu;
  const U8 lane = {0, 1, 2, 3, 4, 5, 6, 7};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const U8 ctr = (ctr0 + static_cast<uint64_t>(i)) + lane;
    U8 c0 = ctr & kLo32, c1 = ctr >> 32, c2 = {}, c3 = {};
    uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
    for (int r = 0; r < 10; ++r) {
      U8 p0, p1;
      mul_lo32(c0, 0xD2511F53u, p0);
      mul_lo32(c2, 0xCD9E8D57u, p1);
      // The high halves of c1 and c3 (and so of c0 and c2) are left unmasked: mul_lo32 reads only
      // the low halves, and c0 is masked once at the end.
      c0 = (p1 >> 32) ^ c1 ^ static_cast<uint64_t>(k0);
      c1 = p1;
      c2 = (p0 >> 32) ^ c3 ^ static_cast<uint64_t>(k1);
      c3 = p0;
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    const F8 u =
        __builtin_convertvector(__builtin_convertvector((c0 & kLo32) >> 8, I8), F8) * (1.0f / 16777216.0f);
    const F8 scaled = span * u;
    const F8 r = lo + scaled;
    __builtin_memcpy(p + i, &r, sizeof r);
  }
  for (; i < n; ++i) {  // the tail: the same rounds on scalars
    const uint64_t ctr = ctr0 + static_cast<uint64_t>(i);
    uint32_t c[4] = {static_cast<uint32_t>(ctr), static_cast<uint32_t>(ctr >> 32), 0u, 0u};
    uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
    for (int r = 0; r < 10; ++r) {
      const uint64_t p0 = uint64_t{0xD2511F53u} * c[0], p1 = uint64_t{0xCD9E8D57u} * c[2];
      c[0] = static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k0;
      c[1] = static_cast<uint32_t>(p1);
      c[2] = static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k1;
      c[3] = static_cast<uint32_t>(p0);
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    const float u = static_cast<float>(c[0] >> 8) * (1.0f / 16777216.0f);
    const float scaled = span * u;
    p[i] = lo + scaled;
  }
}

void sum_cols_f32(const float* x, int64_t rows, int64_t ld, int64_t w, double* acc) {
  constexpr int64_t kCols = 256;  // a stack block of float column totals
  for (int64_t c0 = 0; c0 < w; c0 += kCols) {
    const int64_t cw = w - c0 < kCols ? w - c0 : kCols;
    alignas(64) float sub[kCols];
    for (int64_t r0 = 0; r0 < rows; r0 += kSumSub) {
      const int64_t r1 = rows - r0 < kSumSub ? rows : r0 + kSumSub;
      for (int64_t j = 0; j < cw; ++j) sub[j] = 0.0f;
      for (int64_t r = r0; r < r1; ++r) {
        const float* row = x + r * ld + c0;
        for (int64_t j = 0; j < cw; ++j) sub[j] += row[j];
      }
      for (int64_t j = 0; j < cw; ++j) acc[c0 + j] += static_cast<double>(sub[j]);
    }
  }
}

// Column max/min (see simd.h): rows streamed in order, the select vectorised across columns
// (compare, unordered check for NaN, blend). Blocks of kRegs native vectors of columns keep
// their accumulators in registers over all rows (256 columns, 1 KB runs per row, with AVX-512):
// with the accumulators in acc, loaded and stored for every row, amax over dim 0 of [4096, 4096]
// ran at a third of sum's speed. The rest of the columns use acc. Same select, same results.
template <bool kMax>
void minmax_cols(const float* __restrict x, int64_t rows, int64_t ld, int64_t w,
                 float* __restrict acc) {
#if defined(__AVX512F__)
  constexpr int kRegs = 16;
#else
  constexpr int kRegs = 8;  // half the vector registers (16 ymm or xmm)
#endif
  constexpr int64_t kBlockCols = int64_t{kRegs} * kLanes;
  int64_t j0 = 0;
  for (; j0 + kBlockCols <= w; j0 += kBlockCols) {
    FV a[kRegs];
    for (int q = 0; q < kRegs; ++q) __builtin_memcpy(&a[q], acc + j0 + q * kLanes, sizeof(FV));
    for (int64_t r = 0; r < rows; ++r) {
      const float* row = x + r * ld + j0;
      for (int q = 0; q < kRegs; ++q) {
        FV v;
        __builtin_memcpy(&v, row + q * kLanes, sizeof(FV));
        a[q] = ((kMax ? v > a[q] : v < a[q]) | (v != v)) ? v : a[q];
      }
    }
    for (int q = 0; q < kRegs; ++q) __builtin_memcpy(acc + j0 + q * kLanes, &a[q], sizeof(FV));
  }
  x += j0;
  acc += j0;
  w -= j0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* __restrict row = x + r * ld;
    for (int64_t j = 0; j < w; ++j) {
      const float v = row[j], a = acc[j];
      acc[j] = ((kMax ? v > a : v < a) || v != v) ? v : a;
    }
  }
}

void minmax_cols_f32(const float* x, int64_t rows, int64_t ld, int64_t w, float* acc,
                     bool is_max) {
  if (is_max) minmax_cols<true>(x, rows, ld, w, acc);
  else minmax_cols<false>(x, rows, ld, w, acc);
}

// One binary op over a run; each branch is a loop GCC vectorises (o == a and o == b get their
// own loops, so that the aliasing check does not send in-place ops down the scalar path).
template <class F>
void binary_run(const float* a, int64_t sa, const float* b, int64_t sb, float* o, int64_t n, F f) {
  if (sa == 1 && sb == 1) {
    if (o == a)
      for (int64_t i = 0; i < n; ++i) o[i] = f(o[i], b[i]);
    else if (o == b)
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], o[i]);
    else
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i]);
  } else if (sa == 1) {
    const float bv = *b;
    if (o == a)
      for (int64_t i = 0; i < n; ++i) o[i] = f(o[i], bv);
    else
      for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], bv);
  } else {
    const float av = *a;
    if (o == b)
      for (int64_t i = 0; i < n; ++i) o[i] = f(av, o[i]);
    else
      for (int64_t i = 0; i < n; ++i) o[i] = f(av, b[i]);
  }
}

void binary_f32(VecBinary op, const float* a, int64_t sa, const float* b, int64_t sb, float* o,
                int64_t n) {
  switch (op) {
    case VecBinary::Add:
      binary_run(a, sa, b, sb, o, n, [](float x, float y) { return x + y; });
      break;
    case VecBinary::Sub:
      binary_run(a, sa, b, sb, o, n, [](float x, float y) { return x - y; });
      break;
    case VecBinary::Mul:
      binary_run(a, sa, b, sb, o, n, [](float x, float y) { return x * y; });
      break;
    case VecBinary::Div:
      binary_run(a, sa, b, sb, o, n, [](float x, float y) { return x / y; });
      break;
    case VecBinary::ReluBackward:  // g = a, relu output y = b: y > 0 ? g : g * 0, as ReluBackwardF
      if (sa == 1 && sb == 1) {
        int64_t i = 0;
        for (; i + 16 <= n; i += 16) {
          F16 g, y;
          __builtin_memcpy(&g, a + i, sizeof g);
          __builtin_memcpy(&y, b + i, sizeof y);
          const F16 z = g * 0.0f;
          const F16 r = y > 0.0f ? g : z;
          __builtin_memcpy(o + i, &r, sizeof r);
        }
        for (; i < n; ++i) {
          const float z = a[i] * 0.0f;
          o[i] = b[i] > 0.0f ? a[i] : z;
        }
      } else {
        binary_run(a, sa, b, sb, o, n, [](float g, float y) {
          const float z = g * 0.0f;
          return y > 0.0f ? g : z;
        });
      }
      break;
  }
}

// 64 lanes as four 64-byte vectors (GCC/Clang vector extensions: GCC leaves a scalar select as
// branches). `v > acc ? v : acc` is exactly maxps(v, acc), so each step is one max/min per vector
// (no compare + blend chain), and four independent chains hide its latency. NaN never wins the
// select, so it is tracked on the side (v != v) and returned at the end. The lane count is fixed
// here, so every ISA and thread count gives the same bits (signed zeros included).
float minmax_f32(const float* p, int64_t n, bool is_max) {
  constexpr int kVecs = 4;
  const float init = is_max ? -INFINITY : INFINITY;
  F16 acc[kVecs];
  I16 nan = {};
  for (auto& a : acc)
    for (int l = 0; l < 16; ++l) a[l] = init;
  int64_t i = 0;
  if (is_max) {
    for (; i + 16 * kVecs <= n; i += 16 * kVecs)
      for (int k = 0; k < kVecs; ++k) {
        F16 v;
        __builtin_memcpy(&v, p + i + 16 * k, sizeof v);
        acc[k] = v > acc[k] ? v : acc[k];
        nan |= (v != v);
      }
  } else {
    for (; i + 16 * kVecs <= n; i += 16 * kVecs)
      for (int k = 0; k < kVecs; ++k) {
        F16 v;
        __builtin_memcpy(&v, p + i + 16 * k, sizeof v);
        acc[k] = v < acc[k] ? v : acc[k];
        nan |= (v != v);
      }
  }
  for (int k = 1; k < kVecs; ++k)
    acc[0] = (is_max ? acc[k] > acc[0] : acc[k] < acc[0]) ? acc[k] : acc[0];
  float r = init;
  int any_nan = 0;
  for (int l = 0; l < 16; ++l) {
    r = (is_max ? acc[0][l] > r : acc[0][l] < r) ? acc[0][l] : r;
    any_nan |= nan[l];
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
    TG_SIMD_NAME,
    TG_SIMD_NS::gemm<float>,
    TG_SIMD_NS::gemm<double>,
    TG_SIMD_NS::unary_f32,
    TG_SIMD_NS::unary_f64,
    TG_SIMD_NS::sum_f32,
    TG_SIMD_NS::minmax_f32,
    TG_SIMD_NS::exp_shift_sum_f32,
    TG_SIMD_NS::softmax_finish_f32,
    TG_SIMD_NS::uniform_f32,
    TG_SIMD_NS::sum_cols_f32,
    TG_SIMD_NS::binary_f32,
    TG_SIMD_NS::minmax_cols_f32,
};

}  // namespace tg::kernels::cpu::simd
