// bench/bench_index.cpp — lookups and scatters as used by embeddings, and top-k.
//
// index_select / embedding: B random rows of a [100000, 64] float32 table (B = 1024, 65536).
// index_add: adds a [B, 64] src into the rows `index` of the table (the embedding backward
//   pattern; out-of-place, so each call also copies the 25.6 MB table, on both sides).
// gather / scatter_add: along dim 1 of a [N, M] float32 matrix with a random [N, M] int64 index.
// topk: k = 10 of 1,682 items (MovieLens-100K) and of 100,000 items, for 1 row and a batch.
#include "bench_common.h"

namespace tgbench {
namespace {

constexpr int64_t kRows = 100000, kDim = 64;

void BM_index_select(benchmark::State& state, bool embedding, int64_t batch) {
  tg::Tensor table = tg::randn({kRows, kDim}, &gen());
  tg::Tensor idx = tg::randint(0, kRows, {batch}, &gen());
  for (auto _ : state) {
    tg::Tensor out = embedding ? tg::embedding(table, idx) : tg::index_select(table, 0, idx);
    benchmark::DoNotOptimize(out.data_ptr());
    benchmark::ClobberMemory();
  }
  set_throughput(state, double(batch), double(batch) * (kDim * 4 * 2 + 8));
}

void BM_index_add(benchmark::State& state, int64_t batch) {
  tg::Tensor table = tg::randn({kRows, kDim}, &gen());
  tg::Tensor idx = tg::randint(0, kRows, {batch}, &gen());
  tg::Tensor src = tg::randn({batch, kDim}, &gen());
  for (auto _ : state) {
    tg::Tensor out = tg::index_add(table, 0, idx, src);
    benchmark::DoNotOptimize(out.data_ptr());
    benchmark::ClobberMemory();
  }
  set_throughput(state, double(batch), double(batch) * (kDim * 4 * 3 + 8) + double(kRows * kDim) * 8);
}

void BM_gather_scatter(benchmark::State& state, bool scatter, int64_t n, int64_t m) {
  tg::Tensor x = tg::randn({n, m}, &gen());
  tg::Tensor idx = tg::randint(0, m, {n, m}, &gen());
  tg::Tensor src = tg::randn({n, m}, &gen());
  for (auto _ : state) {
    tg::Tensor out = scatter ? tg::scatter_add(x, 1, idx, src) : tg::gather(x, 1, idx);
    benchmark::DoNotOptimize(out.data_ptr());
    benchmark::ClobberMemory();
  }
  set_throughput(state, double(n * m), double(n * m) * (scatter ? 4 * 4 + 8 : 4 * 2 + 8));
}

void BM_topk(benchmark::State& state, int64_t rows, int64_t n, int64_t k) {
  tg::Tensor x = tg::randn({rows, n}, &gen());
  for (auto _ : state) {
    auto [v, i] = tg::topk(x, k, 1);
    benchmark::DoNotOptimize(v.data_ptr());
    benchmark::DoNotOptimize(i.data_ptr());
  }
  set_throughput(state, double(rows * n), double(rows * n) * 4);
}

}  // namespace

void register_index() {
  for (int64_t b : {1024, 65536}) {
    const std::string sz = shape_name(kRows, kDim) + "/b" + std::to_string(b);
    benchmark::RegisterBenchmark(("index_select/" + sz).c_str(), BM_index_select, false, b)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("embedding/" + sz).c_str(), BM_index_select, true, b)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("index_add/" + sz).c_str(), BM_index_add, b)->UseRealTime();
  }
  const int64_t gs[][2] = {{1024, 1024}, {4096, 1024}};
  for (auto& s : gs) {
    benchmark::RegisterBenchmark(("gather_dim1/" + shape_name(s[0], s[1])).c_str(),
                                 BM_gather_scatter, false, s[0], s[1])
        ->UseRealTime();
    benchmark::RegisterBenchmark(("scatter_add_dim1/" + shape_name(s[0], s[1])).c_str(),
                                 BM_gather_scatter, true, s[0], s[1])
        ->UseRealTime();
  }
  const int64_t tk[][3] = {{1, 1682, 10}, {1024, 1682, 10}, {1, 100000, 10}, {256, 100000, 10}};
  for (auto& t : tk)
    benchmark::RegisterBenchmark(
        ("topk/" + shape_name(t[0], t[1]) + "/k" + std::to_string(t[2])).c_str(), BM_topk, t[0], t[1], t[2])
        ->UseRealTime();
}

}  // namespace tgbench
