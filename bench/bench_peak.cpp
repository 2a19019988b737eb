// bench/bench_peak.cpp — this CPU's fp32 peak: the assumed (computed) figure and a measured one.
//
// Two figures, both in the JSON context:
// * nominal = cores x GHz x (fp32 lanes per FMA x FMA pipes) x 2 FLOP per FMA, with
//   - GHz: the "cpu MHz" line of /proc/cpuinfo (under KVM this is the TSC rate, e.g. 2.6 GHz for
//     this AMD EPYC; the real clock can boost above it, so the measured figure below may exceed
//     the computed one);
//   - FLOP per cycle per core from the CPU's vendor and family (cpuid): two 512-bit FMA pipes,
//     64, on AMD Zen 5 (family 0x1A) and on Intel CPUs with AVX-512 (server parts; some have one
//     unit); two 256-bit pipes, 32, otherwise (AMD Zen 2-4: Zen 4 runs AVX-512 as two 256-bit
//     halves, so AVX-512 does not double it; Intel without AVX-512). Override with
//     TG_BENCH_FLOP_PER_CYCLE.
// * measured = threads x the best of 5 single-core runs of a register-only loop of independent
//   FMAs (no memory traffic), AVX2 or AVX-512, whichever is faster here, taken at start-up. This is the denominator of every
//   peak_frac counter: it is what the FMA units really deliver at the clock the VM gets.
// The benchmarks "peak/fma_fp32_*" rerun that loop on every OpenMP thread (AVX2 and AVX-512).
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>

#include <cpuid.h>
#include <immintrin.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "bench_common.h"

namespace tgbench {

int threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

double cpuinfo_ghz() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("cpu MHz", 0) == 0) return std::stod(line.substr(line.find(':') + 1)) / 1000.0;
  return 0.0;
}

namespace {

struct FmaModel {
  double flop_per_cycle;
  std::string why;
};

FmaModel fma_model() {
  if (const char* env = std::getenv("TG_BENCH_FLOP_PER_CYCLE"))
    return {std::atof(env), "TG_BENCH_FLOP_PER_CYCLE"};
  unsigned a = 0, b = 0, c = 0, d = 0;
  char vendor[13] = {};
  __get_cpuid(0, &a, &b, &c, &d);
  __builtin_memcpy(vendor, &b, 4);
  __builtin_memcpy(vendor + 4, &d, 4);
  __builtin_memcpy(vendor + 8, &c, 4);
  __get_cpuid(1, &a, &b, &c, &d);
  unsigned family = (a >> 8) & 0xF;
  if (family == 0xF) family += (a >> 20) & 0xFF;
  const bool avx512 = __builtin_cpu_supports("avx512f");
  const std::string v = vendor;
  if (v == "AuthenticAMD" && family >= 0x1A && avx512)
    return {64.0, "2 x 512-bit FMA pipes x 16 fp32 lanes x 2: AMD Zen 5"};
  if (v == "GenuineIntel" && avx512)
    return {64.0, "2 x 512-bit FMA units x 16 fp32 lanes x 2: Intel with AVX-512"};
  return {32.0, "2 x 256-bit FMA pipes x 8 fp32 lanes x 2" +
                    std::string(v == "AuthenticAMD" ? ": AMD Zen 2-4" : "")};
}

}  // namespace

double flop_per_cycle() { return fma_model().flop_per_cycle; }
std::string flop_per_cycle_why() { return fma_model().why; }

double nominal_peak_flops() { return threads() * cpuinfo_ghz() * 1e9 * flop_per_cycle(); }

namespace {

constexpr int64_t kFmaIters = 1 << 20;

// 12 independent accumulators cover FMA latency (4 cycles) x 2 pipes with room to spare.
__attribute__((target("avx2,fma"))) float fma_avx2(float seed) {
  __m256 acc[12];
  for (int k = 0; k < 12; ++k) acc[k] = _mm256_set1_ps(seed + k);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (int64_t i = 0; i < kFmaIters; ++i)
    for (int k = 0; k < 12; ++k) acc[k] = _mm256_fmadd_ps(acc[k], a, b);
  __m256 s = acc[0];
  for (int k = 1; k < 12; ++k) s = _mm256_add_ps(s, acc[k]);
  return _mm256_cvtss_f32(s);
}

__attribute__((target("avx512f"))) float fma_avx512(float seed) {
  __m512 acc[12];
  for (int k = 0; k < 12; ++k) acc[k] = _mm512_set1_ps(seed + k);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (int64_t i = 0; i < kFmaIters; ++i)
    for (int k = 0; k < 12; ++k) acc[k] = _mm512_fmadd_ps(acc[k], a, b);
  __m512 s = acc[0];
  for (int k = 1; k < 12; ++k) s = _mm512_add_ps(s, acc[k]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, s);  // (_mm512_reduce_add_ps trips GCC 12's -Wuninitialized)
  return lanes[0] + lanes[15];
}

}  // namespace

// The faster of the AVX2 and (where the CPU has it) AVX-512 loops: on the AMD host they were the
// same (Zen 4 splits zmm); on the Intel host the AVX-512 loop is 1.8x the AVX2 one (two 512-bit FMA
// units), and MKL's GEMM reached 150% of an AVX2-only "peak".
const PeakLoop& measured_peak_loop() {
  static const PeakLoop loop = [] {
    auto best_of = [](auto fn, int lanes) {
      double best = 0;
      for (int rep = 0; rep < 5; ++rep) {
        auto t0 = std::chrono::steady_clock::now();
        benchmark::DoNotOptimize(fn(1.0f));
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = std::max(best, double(kFmaIters) * 12 * lanes * 2 / s);
      }
      return best;
    };
    PeakLoop p{best_of(fma_avx2, 8), "AVX2 FMA loop", 8};
    if (__builtin_cpu_supports("avx512f")) {
      const double z = best_of(fma_avx512, 16);
      if (z > p.flops) p = {z, "AVX-512 FMA loop", 16};
    }
    return p;
  }();
  return loop;
}

double measured_core_flops() { return measured_peak_loop().flops; }

double fp32_peak_flops() { return threads() * measured_core_flops(); }

namespace {

void BM_peak(benchmark::State& state, bool avx512) {
  if (avx512 ? !__builtin_cpu_supports("avx512f") : !__builtin_cpu_supports("fma")) {
    state.SkipWithError("instruction set not supported");
    return;
  }
  const int lanes = avx512 ? 16 : 8;
  const int nt = threads();
  for (auto _ : state) {
    float sink = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) reduction(+ : sink)
#endif
    sink += avx512 ? fma_avx512(1.0f) : fma_avx2(1.0f);
    benchmark::DoNotOptimize(sink);
  }
  const double flops = double(kFmaIters) * 12 * lanes * 2 * nt;
  state.SetItemsProcessed(static_cast<int64_t>(flops) * state.iterations());
  state.counters["omp_threads"] = nt;
  state.counters["peak_frac"] =
      benchmark::Counter(flops * double(state.iterations()) / fp32_peak_flops(),
                         benchmark::Counter::kIsRate);
}

}  // namespace

void register_peak() {
  benchmark::RegisterBenchmark("peak/fma_fp32_avx2", BM_peak, false)->UseRealTime();
  benchmark::RegisterBenchmark("peak/fma_fp32_avx512", BM_peak, true)->UseRealTime();
}

}  // namespace tgbench
