// kernels/cpu/gemm_packed_avx512.cpp — tapegrad's packed GEMM for AVX-512: the vector type
// (Vec) and the tables; the kernel itself is gemm_packed_impl.h (gemm_packed.h explains the
// loops). CMakeLists.txt compiles this file with -mavx512f/dq/bw/vl -mfma; without those flags
// the tables stay empty.
//
// Like the simd_*.cpp files it uses no inline function that other translation units also
// define (no std::min, no templates from shared headers: gemm_packed_impl.h is all in an
// anonymous namespace), so no AVX-512 copy of one can leak into code that runs on older CPUs.
#include "gemm_packed.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__AVX512BW__) && \
    defined(__AVX512VL__) && defined(__FMA__)
#include <immintrin.h>

namespace tg::kernels::cpu {
namespace {

// The vector operations the kernel needs, for float (16 lanes) and double (8 lanes).
template <class T>
struct Vec;

template <>
struct Vec<float> {
  using R = __m512;
  using Mask = __mmask16;
  static constexpr int kLanes = 16;
  static R zero() { return _mm512_setzero_ps(); }
  static R load(const float* p) { return _mm512_load_ps(p); }
  static R loadu(const float* p) { return _mm512_loadu_ps(p); }
  static R set1(float v) { return _mm512_set1_ps(v); }
  static R fmadd(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static R mul(R a, R b) { return _mm512_mul_ps(a, b); }
  static void storeu(float* p, R v) { _mm512_storeu_ps(p, v); }
  static Mask mask(int64_t n) {  // the first n lanes (n may be <= 0 or >= kLanes)
    return n <= 0 ? Mask(0) : n >= kLanes ? Mask(0xFFFF) : Mask((1u << n) - 1);
  }
  static R maskz_loadu(Mask m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
  static void mask_storeu(float* p, Mask m, R v) { _mm512_mask_storeu_ps(p, m, v); }
  static R add(R a, R b) { return _mm512_add_ps(a, b); }
  // Lane r of the result = the sum of the 16 lanes of v[r], by one fixed tree for every r.
  static R sum_each(const R (&v)[16]) {
    R w[4];
    for (int q = 0; q < 4; ++q) {  // rows 4q..4q+3: pairwise within 128-bit lanes
      R s[2];
      for (int h = 0; h < 2; ++h) {
        const R a = v[4 * q + 2 * h], b = v[4 * q + 2 * h + 1];
        s[h] = _mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b));
      }
      const __m512d s0 = _mm512_castps_pd(s[0]), s1 = _mm512_castps_pd(s[1]);
      w[q] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(s0, s1)),
                           _mm512_castpd_ps(_mm512_unpackhi_pd(s0, s1)));
    }
    // w[q]: rows 4q..4q+3 in each 128-bit lane; add the four lanes.
    const R x01 = _mm512_add_ps(_mm512_shuffle_f32x4(w[0], w[1], 0x88),
                                _mm512_shuffle_f32x4(w[0], w[1], 0xDD));
    const R x23 = _mm512_add_ps(_mm512_shuffle_f32x4(w[2], w[3], 0x88),
                                _mm512_shuffle_f32x4(w[2], w[3], 0xDD));
    return _mm512_add_ps(_mm512_shuffle_f32x4(x01, x23, 0x88), _mm512_shuffle_f32x4(x01, x23, 0xDD));
  }
};

template <>
struct Vec<double> {
  using R = __m512d;
  using Mask = __mmask8;
  static constexpr int kLanes = 8;
  static R zero() { return _mm512_setzero_pd(); }
  static R load(const double* p) { return _mm512_load_pd(p); }
  static R loadu(const double* p) { return _mm512_loadu_pd(p); }
  static R set1(double v) { return _mm512_set1_pd(v); }
  static R fmadd(R a, R b, R c) { return _mm512_fmadd_pd(a, b, c); }
  static R mul(R a, R b) { return _mm512_mul_pd(a, b); }
  static void storeu(double* p, R v) { _mm512_storeu_pd(p, v); }
  static Mask mask(int64_t n) {
    return n <= 0 ? Mask(0) : n >= kLanes ? Mask(0xFF) : Mask((1u << n) - 1);
  }
  static R maskz_loadu(Mask m, const double* p) { return _mm512_maskz_loadu_pd(m, p); }
  static void mask_storeu(double* p, Mask m, R v) { _mm512_mask_storeu_pd(p, m, v); }
  static R add(R a, R b) { return _mm512_add_pd(a, b); }
  // Lane r of the result = the sum of the 8 lanes of v[r], by one fixed tree for every r.
  static R sum_each(const R (&v)[8]) {
    R x[4];
    for (int q = 0; q < 4; ++q)  // rows 2q, 2q+1 in each 128-bit lane
      x[q] = _mm512_add_pd(_mm512_unpacklo_pd(v[2 * q], v[2 * q + 1]),
                           _mm512_unpackhi_pd(v[2 * q], v[2 * q + 1]));
    const R y01 = _mm512_add_pd(_mm512_shuffle_f64x2(x[0], x[1], 0x88),
                                _mm512_shuffle_f64x2(x[0], x[1], 0xDD));
    const R y23 = _mm512_add_pd(_mm512_shuffle_f64x2(x[2], x[3], 0x88),
                                _mm512_shuffle_f64x2(x[2], x[3], 0xDD));
    return _mm512_add_pd(_mm512_shuffle_f64x2(y01, y23, 0x88), _mm512_shuffle_f64x2(y01, y23, 0xDD));
  }
};

}  // namespace
}  // namespace tg::kernels::cpu

#include "gemm_packed_impl.h"

namespace tg::kernels::cpu {

// The tile: 14 x 32 floats (28 zmm accumulators, 2 W vectors, 1 broadcast: 31 of 32 registers;
// 12 x 32 was 1-5% slower in the same process, within noise on this machine; docs/benchmarks.md,
// session 7). Blocks: an A panel is 14 KiB (L1 is 48 KiB here), an mc x kc A block 196 KiB and a
// kc x nc W block 1 MiB (L2 is 2 MiB per core on the Intel host, 1 MiB on the AMD ones: nc
// 512 measured 1-3% slower there, session 9). kc = 256 fixes the bits (gemm_packed.h).
extern const PackedGemm kPackedAvx512F32 = make_packed<float, 14, 2, 256, 196, 1024>("avx512");
extern const PackedGemm kPackedAvx512F64 = make_packed<double, 14, 2, 256, 196, 512>("avx512");

}  // namespace tg::kernels::cpu

#else
namespace tg::kernels::cpu {
extern const PackedGemm kPackedAvx512F32 = {};  // name null: not available in this build
extern const PackedGemm kPackedAvx512F64 = {};
}  // namespace tg::kernels::cpu
#endif
