// bench/bench_common.h — helpers shared by the tapegrad micro-benchmarks.
//
// Naming: every benchmark is registered as "<op>/<size>" with the size spelled out (e.g.
// "add/1048576", "mm/1024x128x64", "index_select/100000x64/b1024"). bench/pytorch/bench_ops.py
// registers the same names, so scripts/bench-compare.sh can join the two JSON outputs by name.
// Throughput: items_per_second (elements produced, or FLOPs for GEMM) and bytes_per_second
// (bytes read + written, counting each operand once) are set the same way on both sides.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include <tapegrad/tapegrad.h>

namespace tgbench {

// Number of threads OpenMP (and so tapegrad's kernels) will use: OMP_NUM_THREADS.
int threads();

// fp32 peak of this CPU for `threads()` cores, in FLOP/s, as assumed in bench_peak.cpp.
double fp32_peak_flops();

// The register-only FMA loop behind the measured peak (bench_peak.cpp): the faster of AVX2 and
// AVX-512 on this CPU, its single-core FLOP/s, and its fp32 lanes per FMA.
struct PeakLoop {
  double flops;
  const char* name;
  int lanes;
};
const PeakLoop& measured_peak_loop();

// Sets items_per_second / bytes_per_second (per-iteration amounts) and the omp_threads counter
// (not "threads": that key is Google Benchmark's own field in the JSON).
inline void set_throughput(benchmark::State& state, double items, double bytes) {
  state.SetItemsProcessed(static_cast<int64_t>(items) * state.iterations());
  if (bytes > 0) state.SetBytesProcessed(static_cast<int64_t>(bytes) * state.iterations());
  state.counters["omp_threads"] = threads();
}

inline std::string shape_name(int64_t a, int64_t b) {
  return std::to_string(a) + "x" + std::to_string(b);
}

// Fixed seed so every run benchmarks the same data.
inline tg::Generator& gen() {
  static tg::Generator g(1234);
  return g;
}

}  // namespace tgbench
