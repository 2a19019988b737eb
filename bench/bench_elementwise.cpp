// bench/bench_elementwise.cpp — per-op overhead and elementwise throughput.
//
// overhead/*: 1-element float32 tensors without requires_grad, so this is the cost of one op
// call (dispatch, shape/dtype checks, output allocation, kernel launch) with no arithmetic to
// speak of. elementwise: contiguous float32 vectors of 1K ... 16M elements (powers of 4), a fresh
// output each call (as `c = a + b` does); bytes/s counts inputs read + output written.
#include <vector>

#include "bench_common.h"

namespace tgbench {
namespace {

void BM_overhead_add(benchmark::State& state) {
  tg::Tensor a = tg::randn({1}, &gen()), b = tg::randn({1}, &gen());
  for (auto _ : state) {
    tg::Tensor c = tg::add(a, b);
    benchmark::DoNotOptimize(c.data_ptr());
  }
  set_throughput(state, 1, 0);
}

// Five ops in a row: add, mul, exp, sigmoid, relu.
void BM_overhead_chain5(benchmark::State& state) {
  tg::Tensor a = tg::randn({1}, &gen()), b = tg::randn({1}, &gen());
  for (auto _ : state) {
    tg::Tensor c = tg::relu(tg::sigmoid(tg::exp(tg::mul(tg::add(a, b), b))));
    benchmark::DoNotOptimize(c.data_ptr());
  }
  set_throughput(state, 5, 0);
}

enum class Ew { Add, Mul, Exp, Sigmoid, Relu };

void BM_elementwise(benchmark::State& state, Ew op, int64_t n) {
  tg::Tensor a = tg::randn({n}, &gen()), b = tg::randn({n}, &gen());
  const bool binary = op == Ew::Add || op == Ew::Mul;
  for (auto _ : state) {
    tg::Tensor c;
    switch (op) {
      case Ew::Add: c = tg::add(a, b); break;
      case Ew::Mul: c = tg::mul(a, b); break;
      case Ew::Exp: c = tg::exp(a); break;
      case Ew::Sigmoid: c = tg::sigmoid(a); break;
      case Ew::Relu: c = tg::relu(a); break;
    }
    benchmark::DoNotOptimize(c.data_ptr());
    benchmark::ClobberMemory();
  }
  set_throughput(state, double(n), double(n) * 4 * (binary ? 3 : 2));
}

}  // namespace

std::vector<int64_t> elementwise_sizes() {
  std::vector<int64_t> s;
  for (int64_t n = 1024; n <= (int64_t{16} << 20); n *= 4) s.push_back(n);
  return s;
}

void register_elementwise() {
  benchmark::RegisterBenchmark("overhead/add_1elem", BM_overhead_add)->UseRealTime();
  benchmark::RegisterBenchmark("overhead/chain5_1elem", BM_overhead_chain5)->UseRealTime();
  const std::pair<const char*, Ew> ops[] = {
      {"add", Ew::Add}, {"mul", Ew::Mul}, {"exp", Ew::Exp}, {"sigmoid", Ew::Sigmoid},
      {"relu", Ew::Relu}};
  for (auto [name, op] : ops)
    for (int64_t n : elementwise_sizes())
      benchmark::RegisterBenchmark((std::string(name) + "/" + std::to_string(n)).c_str(),
                                   BM_elementwise, op, n)
          ->UseRealTime();
}

}  // namespace tgbench
