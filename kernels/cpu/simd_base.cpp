// kernels/cpu/simd_base.cpp — simd_impl.h for the build's baseline ISA (SSE2 on plain x86-64),
// and kernels(): the run-time choice between the tables.
#define TG_SIMD_NS base
#define TG_SIMD_TABLE kBaseKernels
#define TG_SIMD_NAME "base"
#include "simd_impl.h"

#include <cstdlib>
#include <cstring>

namespace tg::kernels::cpu::simd {
namespace {

const Kernels& choose() {
  // TG_CPU_ISA=base|avx2|avx512 caps the choice (to test or time the fallbacks).
  const char* cap = std::getenv("TG_CPU_ISA");
  auto allowed = [cap](const char* name) {
    if (!cap || !*cap) return true;
    if (std::strcmp(cap, "base") == 0) return false;
    if (std::strcmp(cap, "avx2") == 0) return std::strcmp(name, "avx2") == 0;
    return true;
  };
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (kAvx512Kernels.name && allowed(kAvx512Kernels.name) && __builtin_cpu_supports("avx512f") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx2") &&
      __builtin_cpu_supports("fma"))
    return kAvx512Kernels;
  if (kAvx2Kernels.name && allowed(kAvx2Kernels.name) && __builtin_cpu_supports("avx2") &&
      __builtin_cpu_supports("fma"))
    return kAvx2Kernels;
#else
  (void)allowed;
#endif
  return kBaseKernels;
}

}  // namespace

const Kernels& kernels() {
  static const Kernels& k = choose();
  return k;
}

}  // namespace tg::kernels::cpu::simd
