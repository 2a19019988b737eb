// tests/test_recsys_training_hook.cpp — GradientRecommender's public training hook
// (use_training_set, training_optimizers, step; recsys/models/gradient_model.h): a loop written
// with it, on batches drawn as fit() draws them, must give fit()'s weights bit for bit, for a
// model with one optimizer (biased MF, count-weighted L2), one with dropout and two optimizers
// (deep MF) and one with side features and a separate wide optimizer (Wide & Deep). The same
// for ALS's public sweep().
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <tapegrad/recsys/data/batch.h>
#include <tapegrad/recsys/models/als.h>
#include <tapegrad/recsys/models/deep_mf.h>
#include <tapegrad/recsys/models/mf.h>
#include <tapegrad/recsys/models/wide_deep.h>
#include <tapegrad/tapegrad.h>

#include "recsys_fixtures.h"

using namespace tg::recsys;

namespace {

// The mean training rating, as fit() computes it for prepare().
float train_mean(const Split& split) {
  double sum = 0;
  for (float r : split.train.rating) sum += r;
  return static_cast<float>(sum / static_cast<double>(split.train.size()));
}

// Every saved tensor of `a` equals (bit for bit) the one of the same name in `b`.
void check_same_state(tg::nn::Module& a, tg::nn::Module& b) {
  const tg::nn::StateDict sa = a.state_dict(), sb = b.state_dict();
  REQUIRE(sa.size() == sb.size());
  REQUIRE(sa.size() >= 2);
  for (const auto& [name, t] : sa) {
    CAPTURE(name);
    REQUIRE(sb.count(name) == 1);
    CHECK(tg::equal(t, sb.at(name)));
  }
}

template <class M>
void check_hook_reproduces_fit() {
  const Dataset ds = tg_test::tiny_dataset();
  const Split split = tg_test::tiny_split(ds);
  TrainConfig cfg = tg_test::tiny_config(/*dim=*/4, /*epochs=*/3, /*batch=*/5);
  cfg.patience = 10;
  cfg.refit = 0;

  M fitted;
  const FitReport rep = fitted.fit(ds, split, cfg, nullptr);
  REQUIRE(rep.best_epoch >= 1);
  REQUIRE(rep.best_epoch <= cfg.epochs);

  M manual;
  manual.prepare(ds, cfg, train_mean(split));
  manual.use_training_set(ds, split.train);
  GradientRecommender::Optimizers opts = manual.training_optimizers();
  REQUIRE_FALSE(opts.empty());
  tg::Generator gen(manual.resolved_config().seed);
  BatchIterator it(split.train, manual.resolved_config().batch, /*shuffle=*/true, &gen);
  for (int64_t epoch = 1; epoch <= rep.best_epoch; ++epoch) {
    manual.train();
    Batch b;
    int64_t steps = 0;
    while (it.next(b)) {
      const double lv = manual.step(b, opts);
      CHECK(std::isfinite(lv));
      ++steps;
    }
    CHECK(steps == it.num_batches());
  }

  check_same_state(fitted, manual);
}

}  // namespace

TEST_CASE("training hook: a loop of step() reproduces fit() for biased MF") {
  check_hook_reproduces_fit<BiasedMf>();
}

TEST_CASE("training hook: a loop of step() reproduces fit() for deep MF (dropout)") {
  check_hook_reproduces_fit<DeepMf>();
}

TEST_CASE("training hook: a loop of step() reproduces fit() for Wide & Deep (two optimizers)") {
  check_hook_reproduces_fit<WideDeep>();
}

TEST_CASE("training hook: step() names a non-finite loss") {
  const Dataset ds = tg_test::tiny_dataset();
  const Split split = tg_test::tiny_split(ds);
  TrainConfig cfg = tg_test::tiny_config(/*dim=*/4, /*epochs=*/-1, /*batch=*/8);
  cfg.lr = 1e30;  // diverges at once
  cfg.optimizer = "sgd";
  BiasedMf m;
  m.prepare(ds, cfg, 3.0f);
  m.use_training_set(ds, split.train);
  auto opts = m.training_optimizers();
  BatchIterator it(split.train, 8, /*shuffle=*/false, nullptr);
  m.train();
  Batch b;
  bool threw = false;
  try {
    for (int k = 0; k < 50; ++k) {
      if (!it.next(b)) continue;
      m.step(b, opts);
    }
  } catch (const tg::Error& e) {
    threw = std::string(e.what()).find("training loss became") != std::string::npos;
  }
  CHECK(threw);
}

TEST_CASE("training hook: Als::sweep() reproduces fit() and checks the ids") {
  const Dataset ds = tg_test::tiny_dataset();
  const Split split = tg_test::tiny_split(ds);
  TrainConfig cfg = tg_test::tiny_config(/*dim=*/3, /*epochs=*/4, /*batch=*/-1);
  cfg.patience = 10;
  Als fitted(ds.num_users(), ds.num_items());
  const FitReport rep = fitted.fit(ds, split, cfg, nullptr);
  REQUIRE(rep.best_epoch >= 1);

  Als manual(ds.num_users(), ds.num_items());
  manual.prepare(ds, cfg, train_mean(split));
  for (int64_t s = 0; s < rep.best_epoch; ++s) manual.sweep(split.train);
  check_same_state(fitted, manual);

  Interactions bad = split.train;
  bad.push_back(ds.num_users(), 0, 3.0f, 0);
  CHECK_THROWS_WITH_AS(manual.sweep(bad), doctest::Contains("outside the model's"), tg::Error);
  Als unprepared(ds.num_users(), ds.num_items());
  CHECK_THROWS_WITH_AS(unprepared.sweep(split.train), doctest::Contains("needs prepare"), tg::Error);
}
