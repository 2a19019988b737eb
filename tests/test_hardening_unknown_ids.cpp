// tests/test_hardening_unknown_ids.cpp — Step 7 hardening: ids a model was not trained on,
// negative ones included, fall back instead of throwing or reading out of range (every rating
// model treats a negative id exactly like an id past the trained counts); and set_num_threads
// is per thread (README, "Thread safety").
#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <tapegrad/recsys/data/dataset.h>
#include <tapegrad/recsys/data/split.h>
#include <tapegrad/recsys/models/recommender.h>
#include <tapegrad/tapegrad.h>

#include "recsys_fixtures.h"

using namespace tg::recsys;
using tg::Tensor;

using tg_test::tiny_dataset;
using tg_test::tiny_split;

TEST_CASE("hardening: negative user and item ids fall back like ids past the trained range") {
  Dataset ds = tiny_dataset();
  Split split = tiny_split(ds);
  const int64_t nu = ds.num_users(), ni = ds.num_items();
  for (const std::string& name : model_names()) {
    CAPTURE(name);
    auto model = make_model(name, ds);
    TrainConfig cfg;
    cfg.epochs = 2;
    cfg.dim = 4;
    cfg.batch = 8;
    model->fit(ds, split, cfg, nullptr);
    // Pairs: (negative user, known item), (known user, negative item), both negative, and the
    // same with ids past the end; INT64_MIN / INT64_MAX too.
    const int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
    Tensor neg = model->predict(tg::from_vector<int64_t>({-1, 2, -7, lo, 1}),
                                tg::from_vector<int64_t>({3, -1, -2, 4, lo}));
    Tensor past = model->predict(tg::from_vector<int64_t>({nu, 2, nu + 3, hi, 1}),
                                 tg::from_vector<int64_t>({3, ni, ni + 9, 4, hi}));
    REQUIRE(neg.sizes() == tg::DimVec{5});
    for (float v : neg.to_vector<float>()) CHECK((v >= 1.0f && v <= 5.0f));
    CHECK(tg::allclose(neg, past, 1e-6, 1e-6));
  }
}

TEST_CASE("hardening: ALS predicts the mean plus the known side's bias for an unknown id") {
  Dataset ds = tiny_dataset();
  auto model = make_model("als", ds);
  TrainConfig cfg;
  cfg.epochs = 2;
  cfg.dim = 3;
  model->fit(ds, tiny_split(ds), cfg, nullptr);
  // Unknown on both sides: only the global mean is left.
  Tensor both = model->predict(tg::from_vector<int64_t>({-3}), tg::from_vector<int64_t>({-4}));
  Tensor mean;
  for (auto& [bname, b] : model->named_buffers())
    if (bname == "global_mean") mean = b;
  REQUIRE(mean.defined());
  CHECK(both.to_vector<float>()[0] == doctest::Approx(mean.item<float>()).epsilon(1e-6));
  // score_all of a negative user ranks items by their bias alone, and recommend does not throw.
  Tensor scores = model->score_all(-1, ds.num_items());
  CHECK(scores.numel() == ds.num_items());
  CHECK_NOTHROW(model->recommend(-1, 3, ds, ds.ratings));
}

// README "Thread safety": tg::set_num_threads is per calling thread (OpenMP's nthreads ICV), so a
// thread started later still sees the default. Without OpenMP both sides are 1.
TEST_CASE("hardening: set_num_threads affects the calling thread only") {
  int before = 0;
  std::thread([&] { before = tg::get_num_threads(); }).join();
  tg::set_num_threads(1);
  CHECK(tg::get_num_threads() == 1);
  int other = 0;
  std::thread([&] { other = tg::get_num_threads(); }).join();
  CHECK(other == before);
  std::thread([&] {
    tg::set_num_threads(1);
    other = tg::get_num_threads();
  }).join();
  CHECK(other == 1);
  CHECK_THROWS_AS(tg::set_num_threads(0), tg::Error);
}
