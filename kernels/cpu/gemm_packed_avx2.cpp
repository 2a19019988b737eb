// kernels/cpu/gemm_packed_avx2.cpp — tapegrad's packed GEMM for AVX2 + FMA CPUs (Haswell and
// later, AMD Zen): the vector type (Vec) and the tables; the kernel itself is
// gemm_packed_impl.h (gemm_packed.h explains the loops). CMakeLists.txt compiles this file with
// -mavx2 -mfma; without those flags the tables stay empty.
//
// Same rules as gemm_packed_avx512.cpp: no inline function shared with other translation units.
#include "gemm_packed.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

namespace tg::kernels::cpu {
namespace {

// The vector operations the kernel needs, for float (8 lanes) and double (4 lanes). AVX2 has no
// mask registers: a mask is a vector whose lanes are all ones (on) or zeros (off), and masked
// loads and stores are vmaskmov, which neither reads nor faults on the lanes that are off.
template <class T>
struct Vec;

template <>
struct Vec<float> {
  using R = __m256;
  using Mask = __m256i;
  static constexpr int kLanes = 8;
  static R zero() { return _mm256_setzero_ps(); }
  static R load(const float* p) { return _mm256_load_ps(p); }
  static R loadu(const float* p) { return _mm256_loadu_ps(p); }
  static R set1(float v) { return _mm256_set1_ps(v); }
  static R fmadd(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static R mul(R a, R b) { return _mm256_mul_ps(a, b); }
  static R add(R a, R b) { return _mm256_add_ps(a, b); }
  static void storeu(float* p, R v) { _mm256_storeu_ps(p, v); }
  static Mask mask(int64_t n) {  // the first n lanes (n may be <= 0 or >= kLanes)
    const int k = n <= 0 ? 0 : n >= kLanes ? kLanes : static_cast<int>(n);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static R maskz_loadu(Mask m, const float* p) { return _mm256_maskload_ps(p, m); }
  static void mask_storeu(float* p, Mask m, R v) { _mm256_maskstore_ps(p, m, v); }
  // Lane r of the result = the sum of the 8 lanes of v[r], by one fixed tree for every r:
  // ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)).
  static R sum_each(const R (&v)[8]) {
    // hadd(a, b) per 128-bit half: a0+a1, a2+a3, b0+b1, b2+b3.
    const R h01 = _mm256_hadd_ps(v[0], v[1]), h23 = _mm256_hadd_ps(v[2], v[3]);
    const R h45 = _mm256_hadd_ps(v[4], v[5]), h67 = _mm256_hadd_ps(v[6], v[7]);
    // Rows 0-3 in each half: low half sums lanes 0-3, high half lanes 4-7.
    const R q0 = _mm256_hadd_ps(h01, h23), q1 = _mm256_hadd_ps(h45, h67);
    // Low halves (lanes 0-3 of rows 0-3, then 4-7) plus high halves (lanes 4-7).
    return _mm256_add_ps(_mm256_permute2f128_ps(q0, q1, 0x20),
                         _mm256_permute2f128_ps(q0, q1, 0x31));
  }
};

template <>
struct Vec<double> {
  using R = __m256d;
  using Mask = __m256i;
  static constexpr int kLanes = 4;
  static R zero() { return _mm256_setzero_pd(); }
  static R load(const double* p) { return _mm256_load_pd(p); }
  static R loadu(const double* p) { return _mm256_loadu_pd(p); }
  static R set1(double v) { return _mm256_set1_pd(v); }
  static R fmadd(R a, R b, R c) { return _mm256_fmadd_pd(a, b, c); }
  static R mul(R a, R b) { return _mm256_mul_pd(a, b); }
  static R add(R a, R b) { return _mm256_add_pd(a, b); }
  static void storeu(double* p, R v) { _mm256_storeu_pd(p, v); }
  static Mask mask(int64_t n) {
    const int64_t k = n <= 0 ? 0 : n >= kLanes ? kLanes : n;
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(k), _mm256_setr_epi64x(0, 1, 2, 3));
  }
  static R maskz_loadu(Mask m, const double* p) { return _mm256_maskload_pd(p, m); }
  static void mask_storeu(double* p, Mask m, R v) { _mm256_maskstore_pd(p, m, v); }
  // Lane r of the result = (x0 + x1) + (x2 + x3) of v[r], the same tree for every r.
  static R sum_each(const R (&v)[4]) {
    const R h01 = _mm256_hadd_pd(v[0], v[1]);  // v0 01, v1 01 | v0 23, v1 23
    const R h23 = _mm256_hadd_pd(v[2], v[3]);  // v2 01, v3 01 | v2 23, v3 23
    return _mm256_add_pd(_mm256_permute2f128_pd(h01, h23, 0x20),
                         _mm256_permute2f128_pd(h01, h23, 0x31));
  }
};

}  // namespace
}  // namespace tg::kernels::cpu

#include "gemm_packed_impl.h"

namespace tg::kernels::cpu {

// The tile: 6 x 16 floats (12 ymm accumulators, 2 W vectors, 1 broadcast: 15 of 16 registers),
// the classic AVX2 shape. Blocks: an A panel is 6 KiB, an mc x kc A block 120 KiB and a kc x nc
// W block 384 KiB: AVX2 CPUs have 256 KiB - 2 MiB of L2 per core. kc = 256 as for AVX-512, so
// packed products give the same bits on both ISAs (tested); the thin dot products do not (their
// sums run over 8 lanes here, 16 there).
extern const PackedGemm kPackedAvx2F32 = make_packed<float, 6, 2, 256, 120, 384>("avx2");
extern const PackedGemm kPackedAvx2F64 = make_packed<double, 6, 2, 256, 120, 192>("avx2");

}  // namespace tg::kernels::cpu

#else
namespace tg::kernels::cpu {
extern const PackedGemm kPackedAvx2F32 = {};  // name null: not available in this build
extern const PackedGemm kPackedAvx2F64 = {};
}  // namespace tg::kernels::cpu
#endif
