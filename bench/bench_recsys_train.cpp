// bench/bench_recsys_train.cpp — training speed of the recsys models (recsys/models) on ML-100K.
//
//   recsys_step/<model>/b256, /b1024: one training step on a prepared batch — the model's loss,
//       zero_grad, backward, every optimizer's step and the loss read back (what
//       GradientRecommender::fit does per batch).
//   recsys_epoch/<model>/u1.base/b1024: one epoch — a shuffled pass over u1.base (80,000 ratings)
//       in batches of 1024 (BatchIterator builds the batch tensors), one step per batch, no
//       evaluation. time per iteration = seconds per epoch; items = ratings per epoch.
//   recsys_epoch/als/u1.base/sweep: one ALS sweep over u1.base (Als::sweep: users, then items;
//       float64 normal equations, batched Cholesky), no evaluation.
// Models, built through their own classes with the tuned defaults of recsys/models, except the
// batch size and the settings that decide the work per step, which are pinned to the PyTorch
// twins' (dims and tower, see pin_to_twin):
//   mf        BiasedMf: dim 32, sparse embeddings + SparseAdam, L2 on touched rows
//   deep_mf   DeepMf: dim 16, tower [32, 64, 32, 1] (ReLU, dropout 0.2); SparseAdam + Adam
//   ncf_mlp   DeepMf at dim 64: the NCF-MLP tower 128-64-32 (-> 1)
//   wide_deep WideDeep: wide (ids + hashed crosses, Adagrad) + deep (7 embeddings, genre
//             EmbeddingBag, MLP [112, 128, 64, 1]; SparseAdam + Adam)
//   svdpp     SvdPP: dim 32, implicit sums over 16 sampled items of each user's training list
//             (EmbeddingBag with per-sample weights), SparseAdam for user and item rows
//   als       Als: dim 32, one sweep (see below)
// Data: TG_DATA_DIR (an ml-100k folder with u1.base) when set; otherwise a synthetic dataset of
// the same size (943 users, 1682 items, 100,000 ratings, recsys/data/synthetic.h) written to a
// temporary folder. The JSON context says which ("dataset"). bench/pytorch/bench_recsys.py is the
// PyTorch twin: the same models, batches, optimizers and names.
//
// Usage: OMP_NUM_THREADS=1 build-bench/bin/bench_recsys [--benchmark_filter=REGEX] ...
//        build-bench/bin/bench_recsys --write_synthetic=DIR   (writes the synthetic data and exits)
//
// The optimizers and the per-batch step are GradientRecommender's public training hook
// (training_optimizers(), step()): exactly what fit() runs per batch.
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <tapegrad/recsys/data/dataset.h>
#include <tapegrad/recsys/models/als.h>
#include <tapegrad/recsys/models/deep_mf.h>
#include <tapegrad/recsys/models/mf.h>
#include <tapegrad/recsys/models/svdpp.h>
#include <tapegrad/recsys/models/wide_deep.h>

#include "bench_common.h"

namespace tgbench {
namespace {

using tg::recsys::Batch;
using tg::recsys::BatchIterator;
using tg::recsys::Dataset;
using tg::recsys::GradientRecommender;
using tg::recsys::Split;
using tg::recsys::TrainConfig;

constexpr int64_t kSynUsers = 943, kSynItems = 1682, kSynRatings = 100000;
constexpr uint64_t kSynSeed = 7;

struct Data {
  Dataset ds;
  Split split;
  float mean = 0;
  std::string description;
};

const Data& data() {
  static const Data d = [] {
    Data out;
    std::string dir;
    if (const char* env = std::getenv("TG_DATA_DIR"); env && *env) {
      dir = env;
    } else {
      dir = (std::filesystem::temp_directory_path() / "tapegrad-bench-synthetic-ml100k").string();
      tg::recsys::write_synthetic(dir, kSynUsers, kSynItems, kSynRatings, kSynSeed);
    }
    out.ds = tg::recsys::load_dataset(dir);
    out.split = tg::recsys::split_predefined(out.ds, "u1");
    double sum = 0;
    for (float r : out.split.train.rating) sum += r;
    out.mean = static_cast<float>(sum / static_cast<double>(out.split.train.size()));
    out.description = out.ds.name + " (" + dir + "), u1.base " +
                      std::to_string(out.split.train.size()) + " ratings, " +
                      std::to_string(out.ds.num_users()) + " users, " +
                      std::to_string(out.ds.num_items()) + " items";
    return out;
  }();
  return d;
}

struct Trainer {
  std::shared_ptr<GradientRecommender> model;
  GradientRecommender::Optimizers optimizers;

  // The per-batch body of GradientRecommender::fit.
  double step(Batch& b) { return model->step(b, optimizers); }
};

// The PyTorch twins (bench/pytorch/bench_recsys.py) build the models as they were when the suite
// was written: biased MF at dim 32 with the L2 on the biases at the full weight decay, deep MF /
// NCF-MLP with the tower [2d, 64, 32, 1] over [p_u, q_i] (dropout 0.2), no bias L2, no MF
// pre-training and no dot term. The models'
// tuned defaults move as the models are tuned (model Options, recsys/models), so the benchmark pins
// the settings that decide the work per step to the twins' values, where the model has them; a
// model without an Options field simply has the twin's behaviour built in.
template <class M>
void pin_to_twin(M& m) {
  if constexpr (requires { m.options().product; }) m.options().product = false;
  if constexpr (requires { m.options().hidden; }) m.options().hidden = 64;
  if constexpr (requires { m.options().dropout; }) m.options().dropout = 0.2;
  // Deep MF's MF pre-training and dot term (on by default since 2026-12-01) are not in the twin.
  if constexpr (requires { m.options().pretrain; }) m.options().pretrain = false;
  if constexpr (requires { m.options().dot; }) m.options().dot = false;
  if constexpr (std::is_same_v<M, tg::recsys::BiasedMf>) {
    if constexpr (requires { m.options().bias_reg; }) m.options().bias_reg = 1.0;
    if constexpr (requires { m.options().reg_alpha; }) m.options().reg_alpha = 0.0;  // unweighted L2
  } else {
    if constexpr (requires { m.options().bias_reg; }) m.options().bias_reg = 0.0;
  }
}

template <class M>
Trainer make_trainer(int64_t dim) {
  auto m = std::make_shared<M>();
  pin_to_twin(*m);
  TrainConfig cfg;
  cfg.dim = dim;  // -1: the model's default
  cfg.quiet = true;
  m->prepare(data().ds, cfg, data().mean);
  m->use_training_set(data().ds, data().split.train);
  Trainer t;
  t.optimizers = m->training_optimizers();
  m->train();
  t.model = m;
  return t;
}

Trainer make_model(const std::string& name) {
  // The twins' dims (the models' own defaults may differ, see pin_to_twin).
  if (name == "mf") return make_trainer<tg::recsys::BiasedMf>(32);
  if (name == "deep_mf") return make_trainer<tg::recsys::DeepMf>(16);
  if (name == "ncf_mlp") return make_trainer<tg::recsys::DeepMf>(64);
  if (name == "wide_deep") return make_trainer<tg::recsys::WideDeep>(32);
  if (name == "svdpp") return make_trainer<tg::recsys::SvdPP>(32);
  TG_THROW("bench_recsys: unknown model ", name);
}

void BM_step(benchmark::State& state, const std::string& name, int64_t batch) {
  Trainer t = make_model(name);
  tg::Generator gen(11);
  BatchIterator it(data().split.train, batch, /*shuffle=*/true, &gen);
  std::vector<Batch> batches;
  Batch b;
  while (static_cast<int64_t>(batches.size()) < 32 && it.next(b))
    if (b.size == batch) batches.push_back(b);
  size_t k = 0;
  double sink = t.step(batches[k++]);  // warm-up: optimizer state is created by the first step
  for (auto _ : state) sink += t.step(batches[k++ % batches.size()]);
  benchmark::DoNotOptimize(sink);
  set_throughput(state, static_cast<double>(batch), 0);
}

void BM_epoch(benchmark::State& state, const std::string& name, int64_t batch) {
  Trainer t = make_model(name);
  tg::Generator gen(11);
  BatchIterator it(data().split.train, batch, /*shuffle=*/true, &gen);
  double sink = 0;
  Batch b;
  while (it.next(b)) sink += t.step(b);  // warm-up epoch, as the PyTorch runner's warm-up call
  for (auto _ : state)
    while (it.next(b)) sink += t.step(b);
  benchmark::DoNotOptimize(sink);
  set_throughput(state, static_cast<double>(data().split.train.size()), 0);
}

// One ALS sweep (every user's ridge system with the items fixed, then every item's) at the
// model's defaults: dim 32, lambda 0.12 (Als::sweep; fit() adds a validation pass per sweep).
void BM_als_sweep(benchmark::State& state) {
  tg::recsys::Als m(data().ds.num_users(), data().ds.num_items());
  TrainConfig cfg;
  cfg.quiet = true;
  m.prepare(data().ds, cfg, data().mean);
  m.sweep(data().split.train);  // warm-up
  for (auto _ : state) m.sweep(data().split.train);
  set_throughput(state, static_cast<double>(data().split.train.size()), 0);
}

void register_all() {
  for (const char* name : {"mf", "deep_mf", "ncf_mlp", "wide_deep", "svdpp"}) {
    const std::string n = name;
    for (int64_t batch : {256, 1024})
      benchmark::RegisterBenchmark(("recsys_step/" + n + "/b" + std::to_string(batch)).c_str(),
                                   [n, batch](benchmark::State& s) { BM_step(s, n, batch); })
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("recsys_epoch/" + n + "/u1.base/b1024").c_str(),
                                 [n](benchmark::State& s) { BM_epoch(s, n, 1024); })
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("recsys_epoch/als/u1.base/sweep", BM_als_sweep)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
}

}  // namespace
}  // namespace tgbench

int main(int argc, char** argv) {
  using namespace tgbench;
  const std::string flag = "--write_synthetic=";
  for (int k = 1; k < argc; ++k) {
    std::string a = argv[k];
    if (a.rfind(flag, 0) == 0) {
      tg::recsys::write_synthetic(a.substr(flag.size()), kSynUsers, kSynItems, kSynRatings,
                                  kSynSeed);
      return 0;
    }
  }
  benchmark::AddCustomContext("library", std::string("tapegrad ") + tg::kVersion);
  benchmark::AddCustomContext("omp_threads", std::to_string(threads()));
  benchmark::AddCustomContext("gemm_backend", tg::gemm_backend());
  try {
    benchmark::AddCustomContext("dataset", data().description);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_recsys: %s\n", e.what());
    return 1;
  }
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
