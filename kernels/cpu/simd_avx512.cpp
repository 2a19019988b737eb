// kernels/cpu/simd_avx512.cpp — simd_impl.h for AVX-512 (F, DQ, BW, VL) + AVX2 + FMA
// (CMakeLists.txt adds the -m flags to this file only). Without them the table stays empty.
#include "simd.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__AVX512BW__) && \
    defined(__AVX512VL__) && defined(__FMA__)
#define Eigen tg_eigen_avx512  // a private copy of Eigen's templates, see simd.h
#define TG_SIMD_NS avx512
#define TG_SIMD_TABLE kAvx512Kernels
#define TG_SIMD_NAME "avx512"
#include "simd_impl.h"
#else
namespace tg::kernels::cpu::simd {
extern const Kernels kAvx512Kernels = {nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                                       nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                                       nullptr};
}
#endif
