// bench/bench_linalg.cpp — GEMM (tg::mm) in FLOP/s and as a fraction of the fp32 peak.
//
// Square n = 64 ... 2048 ("mm/<n>") and the recsys shapes [N,K]x[K,M] ("mm/NxKxM"): an MLP layer
// on a 1024 batch of 128-d features, and a 256 batch of 64-d embeddings into 32 units.
// items_per_second = 2*N*K*M FLOP per call; peak_frac = achieved / computed fp32 peak.
#include "bench_common.h"

namespace tgbench {
namespace {

void BM_mm(benchmark::State& state, int64_t n, int64_t k, int64_t m) {
  tg::Tensor a = tg::randn({n, k}, &gen()), b = tg::randn({k, m}, &gen());
  for (auto _ : state) {
    tg::Tensor c = tg::mm(a, b);
    benchmark::DoNotOptimize(c.data_ptr());
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * double(n) * double(k) * double(m);
  set_throughput(state, flops, double(n * k + k * m + n * m) * 4);
  state.counters["peak_frac"] = benchmark::Counter(
      flops * double(state.iterations()) / fp32_peak_flops(), benchmark::Counter::kIsRate);
}

}  // namespace

void register_linalg() {
  for (int64_t n = 64; n <= 2048; n *= 2)
    benchmark::RegisterBenchmark(("mm/" + std::to_string(n)).c_str(), BM_mm, n, n, n)
        ->UseRealTime();
  const int64_t shapes[][3] = {{1024, 128, 64}, {256, 64, 32}};
  for (auto& s : shapes)
    benchmark::RegisterBenchmark(
        ("mm/" + std::to_string(s[0]) + "x" + std::to_string(s[1]) + "x" + std::to_string(s[2]))
            .c_str(),
        BM_mm, s[0], s[1], s[2])
        ->UseRealTime();
}

}  // namespace tgbench
