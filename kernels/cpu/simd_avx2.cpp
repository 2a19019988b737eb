// kernels/cpu/simd_avx2.cpp — simd_impl.h for AVX2 + FMA (CMakeLists.txt adds -mavx2 -mfma to this
// file only). Without those flags (another CPU or compiler) the table stays empty.
#include "simd.h"

#if defined(__AVX2__) && defined(__FMA__)
#define Eigen tg_eigen_avx2  // a private copy of Eigen's templates, see simd.h
#define TG_SIMD_NS avx2
#define TG_SIMD_TABLE kAvx2Kernels
#define TG_SIMD_NAME "avx2"
#include "simd_impl.h"
#else
namespace tg::kernels::cpu::simd {
extern const Kernels kAvx2Kernels = {nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                                     nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                                     nullptr};
}
#endif
