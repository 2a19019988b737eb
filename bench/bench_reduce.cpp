// bench/bench_reduce.cpp — reductions and softmax over a float32 [N, M] matrix.
//
// <op>_dim1 reduces each row (over M, the contiguous dim), <op>_dim0 each column (over N);
// sum_all reduces everything. Sizes: 1024x1024 (1M) and 4096x4096 (16M). items = input elements.
#include "bench_common.h"

namespace tgbench {
namespace {

enum class Red { Sum, Mean, Amax, SumAll, Softmax, LogSoftmax };

void BM_reduce(benchmark::State& state, Red op, int64_t dim, int64_t n, int64_t m) {
  tg::Tensor x = tg::randn({n, m}, &gen());
  int64_t out_elems = op == Red::SumAll ? 1 : dim == 0 ? m : n;
  for (auto _ : state) {
    tg::Tensor y;
    switch (op) {
      case Red::Sum: y = tg::sum(x, {dim}); break;
      case Red::Mean: y = tg::mean(x, {dim}); break;
      case Red::Amax: y = tg::amax(x, {dim}); break;
      case Red::SumAll: y = tg::sum(x); break;
      case Red::Softmax: y = tg::softmax(x, dim); out_elems = n * m; break;
      case Red::LogSoftmax: y = tg::log_softmax(x, dim); out_elems = n * m; break;
    }
    benchmark::DoNotOptimize(y.data_ptr());
    benchmark::ClobberMemory();
  }
  set_throughput(state, double(n * m), double(n * m + out_elems) * 4);
}

}  // namespace

void register_reduce() {
  struct Case { const char* name; Red op; int64_t dim; };
  const Case cases[] = {
      {"sum_dim1", Red::Sum, 1},       {"sum_dim0", Red::Sum, 0},
      {"mean_dim1", Red::Mean, 1},     {"mean_dim0", Red::Mean, 0},
      {"amax_dim1", Red::Amax, 1},     {"amax_dim0", Red::Amax, 0},
      {"sum_all", Red::SumAll, -1},    {"softmax_dim1", Red::Softmax, 1},
      {"log_softmax_dim1", Red::LogSoftmax, 1}};
  const int64_t sizes[][2] = {{1024, 1024}, {4096, 4096}};
  for (const Case& c : cases)
    for (auto& s : sizes)
      benchmark::RegisterBenchmark((std::string(c.name) + "/" + shape_name(s[0], s[1])).c_str(),
                                   BM_reduce, c.op, c.dim, s[0], s[1])
          ->UseRealTime();
}

}  // namespace tgbench
