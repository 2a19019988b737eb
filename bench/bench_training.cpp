// bench/bench_training.cpp — training steps with sparse embeddings: lookup, backward and an
// optimizer step that touches only the rows of the batch.
//   train/embedding_sparse_adam/2625x64/b1024: Embedding(2625, 64, sparse) forward + backward +
//   SparseAdam step at batch 1024 (the Step 3 target; 2625 = ML-100K users + items).
//   train/embedding_adagrad/...: the same with Adagrad on the sparse gradient.
// bench/pytorch/bench_ops.py runs the same workloads under the same names.
#include <tapegrad/optim/optim.h>

#include "bench_common.h"

namespace tgbench {
namespace {

template <class Opt>
void BM_embedding_step(benchmark::State& state, int64_t rows, int64_t dim, int64_t batch) {
  tg::Tensor weight = tg::randn({rows, dim}, &gen()).requires_grad_();
  Opt opt({weight});
  tg::Generator ids_gen(5);
  std::vector<tg::Tensor> batches;
  for (int k = 0; k < 16; ++k) batches.push_back(tg::randint(0, rows, {batch}, &ids_gen));
  size_t k = 0;
  {  // warm-up, as the PyTorch runner's: the first step creates the optimizer state (for the
     // 1M-row table two 256 MB buffers), which is not what a training step costs
    tg::Tensor out = tg::embedding(weight, batches[k++], /*sparse_grad=*/true);
    tg::Tensor loss = tg::sum(tg::mul(out, out));
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  for (auto _ : state) {
    tg::Tensor out = tg::embedding(weight, batches[k++ % batches.size()], /*sparse_grad=*/true);
    tg::Tensor loss = tg::sum(tg::mul(out, out));
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  set_throughput(state, static_cast<double>(batch), 0);
}

void BM_sparse_adam_small(benchmark::State& s) { BM_embedding_step<tg::optim::SparseAdam>(s, 2625, 64, 1024); }
void BM_adagrad_small(benchmark::State& s) { BM_embedding_step<tg::optim::Adagrad>(s, 2625, 64, 1024); }
void BM_sparse_adam_big(benchmark::State& s) { BM_embedding_step<tg::optim::SparseAdam>(s, 1000000, 64, 1024); }

}  // namespace

BENCHMARK(BM_sparse_adam_small)->Name("train/embedding_sparse_adam/2625x64/b1024");
BENCHMARK(BM_adagrad_small)->Name("train/embedding_adagrad/2625x64/b1024");
BENCHMARK(BM_sparse_adam_big)->Name("train/embedding_sparse_adam/1000000x64/b1024");

}  // namespace tgbench
