// bench/bench_autograd.cpp — autograd overhead: recording a graph and running backward on tiny
// tensors, where bookkeeping (nodes, saved tensors, the engine) is all the cost there is.
//   overhead/autograd_chain5_1elem: y = relu(sigmoid(exp((a + b) * b))); y.backward()
//   overhead/autograd_mlp_step: one forward+backward of a [32, 16] -> 16 -> 1 MLP
// bench/pytorch/bench_ops.py runs the same two workloads under the same names.
#include "bench_common.h"

namespace tgbench {
namespace {

void BM_autograd_chain5(benchmark::State& state) {
  tg::Tensor a = tg::randn({1}, &gen()).requires_grad_(), b = tg::randn({1}, &gen()).requires_grad_();
  for (auto _ : state) {
    tg::Tensor y = tg::relu(tg::sigmoid(tg::exp(tg::mul(tg::add(a, b), b))));
    y.backward();
    a.set_grad(tg::Tensor());
    b.set_grad(tg::Tensor());
  }
  set_throughput(state, 5, 0);
}

void BM_autograd_mlp_step(benchmark::State& state) {
  tg::Tensor x = tg::randn({32, 16}, &gen());
  tg::Tensor w1 = tg::randn({16, 16}, &gen()).requires_grad_(), b1 = tg::zeros({16}).requires_grad_();
  tg::Tensor w2 = tg::randn({16, 1}, &gen()).requires_grad_();
  for (auto _ : state) {
    tg::Tensor loss = tg::mean(tg::matmul(tg::relu(tg::add(tg::matmul(x, w1), b1)), w2));
    loss.backward();
    for (tg::Tensor* p : {&w1, &b1, &w2}) p->set_grad(tg::Tensor());
  }
  set_throughput(state, 1, 0);
}

}  // namespace

BENCHMARK(BM_autograd_chain5)->Name("overhead/autograd_chain5_1elem");
BENCHMARK(BM_autograd_mlp_step)->Name("overhead/autograd_mlp_step");

}  // namespace tgbench
