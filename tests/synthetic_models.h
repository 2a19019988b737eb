// tests/synthetic_models.h — a small synthetic MovieLens dataset and tiny trained models, shared
// by the concurrency and determinism tests (kept small: each training run takes well under a
// second in Release).
#pragma once

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include <tapegrad/recsys/data/dataset.h>
#include <tapegrad/recsys/data/split.h>
#include <tapegrad/recsys/models/recommender.h>
#include <tapegrad/tapegrad.h>

namespace tg_test {

// The gradient-trained rating models.
inline const char* const kGradientModels[] = {"mf", "wide_deep", "deep_mf"};

// 120 users x 90 items x 3000 ratings in the ml-100k layout (so Wide & Deep has its side
// features), written to a scratch folder (one per process: ctest runs test cases in parallel)
// and loaded back.
inline tg::recsys::Dataset synthetic_dataset(uint64_t seed = 5) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() /
                 ("tg-synthetic-" + std::to_string(::getpid()) + "-" + std::to_string(seed));
  tg::recsys::write_synthetic(dir.string(), 120, 90, 3000, seed, "ml-100k");
  tg::recsys::Dataset ds = tg::recsys::load_dataset(dir.string());
  std::error_code ec;
  fs::remove_all(dir, ec);
  return ds;
}

// A random 20% test split with 10% of the rest held out for early stopping.
inline tg::recsys::Split synthetic_split(const tg::recsys::Dataset& ds) {
  tg::recsys::Split s = tg::recsys::split_random(ds, 0.2, 11);
  tg::recsys::carve_validation(s, 0.1, 12);
  return s;
}

// Trains `name` for a few epochs with a fixed seed (quiet, no progress callback). Batches of 2048
// with dim 32 make embedding rows, gradients and the MLP's products large enough (> 32768
// elements) for the CPU kernels' parallel loops.
inline std::shared_ptr<tg::recsys::Recommender> train_tiny(const std::string& name,
                                                           const tg::recsys::Dataset& ds,
                                                           const tg::recsys::Split& split,
                                                           uint64_t seed = 42,
                                                           tg::recsys::FitReport* report = nullptr,
                                                           int64_t batch = 256, int64_t dim = 8) {
  auto model = tg::recsys::make_model(name, ds);
  tg::recsys::TrainConfig cfg;
  cfg.epochs = 3;
  cfg.dim = dim;
  cfg.batch = batch;
  cfg.seed = seed;
  cfg.quiet = true;
  tg::recsys::FitReport rep = model->fit(ds, split, cfg, nullptr);
  if (report) *report = rep;
  return model;
}

// Bitwise equality of two tensors' contents (same dtype and shape; NaNs compare by bit pattern).
inline bool bitwise_equal(const tg::Tensor& a, const tg::Tensor& b) {
  if (a.dtype() != b.dtype() || !(a.sizes() == b.sizes())) return false;
  tg::Tensor ca = a.contiguous(), cb = b.contiguous();
  return std::memcmp(ca.data_ptr(), cb.data_ptr(),
                     static_cast<size_t>(ca.numel()) * tg::itemsize(ca.dtype())) == 0;
}

}  // namespace tg_test
