// examples/recsys_training_loop.cpp — driving a recsys model's training yourself.
//
// GradientRecommender::fit() is the usual way to train (early stopping, checkpoints, refit). This
// example instead uses the public training hook (recsys/models/gradient_model.h) to run its own
// loop over a biased matrix factorisation: a cosine learning-rate schedule with warm-up, which
// fit() does not offer, and its own per-epoch validation. Each step is exactly fit()'s step.
//
// Usage: recsys_training_loop [ML-100K-DIR]   (default: TG_DATA_DIR; without either, a small
// synthetic MovieLens-format dataset written to a temporary folder). Exits non-zero unless the
// model beats the global-mean baseline on the test part.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <numbers>
#include <string>

#include <unistd.h>

#include <tapegrad/recsys/data/batch.h>
#include <tapegrad/recsys/data/dataset.h>
#include <tapegrad/recsys/data/split.h>
#include <tapegrad/recsys/data/synthetic.h>
#include <tapegrad/recsys/models/mf.h>
#include <tapegrad/tapegrad.h>

namespace rs = tg::recsys;

int main(int argc, char** argv) try {
  std::string dir = argc > 1 ? argv[1] : "";
  if (dir.empty())
    if (const char* env = std::getenv("TG_DATA_DIR")) dir = env;
  std::string synthetic;  // removed once loaded
  if (dir.empty()) {
    synthetic = dir = (std::filesystem::temp_directory_path() /
                       ("tapegrad-example-synthetic-" + std::to_string(::getpid()))).string();
    rs::write_synthetic(dir, 300, 400, 20000, /*seed=*/5);
  }
  const rs::Dataset ds = rs::load_dataset(dir);
  if (!synthetic.empty()) std::filesystem::remove_all(synthetic);
  rs::Split split = rs::split_random(ds, 0.2, /*seed=*/1);
  rs::carve_validation(split, 0.05, /*seed=*/2);  // early-stopping part, taken from train
  std::printf("%s: %zu train / %zu valid / %zu test ratings\n", ds.name.c_str(), split.train.size(),
              split.valid.size(), split.test.size());

  double sum = 0;
  for (float r : split.train.rating) sum += r;
  const float mean = static_cast<float>(sum / static_cast<double>(split.train.size()));

  rs::BiasedMf model;
  rs::TrainConfig cfg;  // fields left unset take the model's tuned defaults
  cfg.dim = 32;
  cfg.quiet = true;
  model.prepare(ds, cfg, mean);
  model.use_training_set(ds, split.train);  // per-row rating counts for its L2
  rs::GradientRecommender::Optimizers opts = model.training_optimizers();
  const rs::TrainConfig c = model.resolved_config();

  const int64_t epochs = 12, warmup = 1;
  tg::Generator gen(c.seed);
  rs::BatchIterator batches(split.train, c.batch, /*shuffle=*/true, &gen);
  tg::nn::StateDict best;
  double best_rmse = INFINITY;
  for (int64_t e = 0; e < epochs; ++e) {
    // Linear warm-up, then cosine decay to 10% of the base rate.
    const double t = e < warmup ? (e + 1.0) / warmup
                                : 0.1 + 0.45 * (1 + std::cos(std::numbers::pi * (e - warmup) /
                                                              static_cast<double>(epochs - warmup)));
    for (auto& opt : opts)
      for (auto& g : opt->param_groups()) g.set_lr(c.lr * t);
    model.train();
    double loss = 0;
    int64_t n = 0;
    for (rs::Batch b; batches.next(b); ++n) loss += model.step(b, opts);
    const double v = rs::evaluate_ratings(model, split.valid).rmse;
    std::printf("epoch %2lld  lr %.2e  train loss %.4f  valid RMSE %.4f\n",
                static_cast<long long>(e + 1), c.lr * t, loss / static_cast<double>(n), v);
    if (v < best_rmse) {
      best_rmse = v;
      best = model.state_dict();
      for (auto& [k, w] : best) w = w.clone();
    }
  }
  model.load_state_dict(best);

  double se = 0;
  for (float r : split.test.rating) se += (r - mean) * (r - mean);
  const double baseline = std::sqrt(se / static_cast<double>(split.test.size()));
  const double rmse = rs::evaluate_ratings(model, split.test).rmse;
  std::printf("test RMSE %.4f (global mean: %.4f)\n", rmse, baseline);
  return rmse < baseline ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "recsys_training_loop: %s\n", e.what());
  return 2;
}
