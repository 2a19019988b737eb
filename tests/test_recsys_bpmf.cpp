// tests/test_recsys_bpmf.cpp — Bayesian PMF (recsys/models/bpmf.h): the Gibbs sampler recovers a
// low-rank rating matrix that biases alone cannot fit, fits are reproducible (same seed, any
// thread count), a saved model predicts the same after loading, unknown ids fall back, and bad
// settings are tg::Errors.
#include <algorithm>
#include <cmath>
#include <random>

#include <doctest/doctest.h>
#include <tapegrad/recsys/data/dataset.h>
#include <tapegrad/recsys/data/split.h>
#include <tapegrad/recsys/models/bpmf.h>
#include <tapegrad/recsys/models/recommender.h>
#include <tapegrad/tapegrad.h>

#include "recsys_fixtures.h"
#include "temp_dir.h"

using namespace tg::recsys;
using tg::Tensor;

namespace {

// 40 users x 30 items, 80% of the pairs rated: r = 3 + b_u + b_i + p_u . q_i + noise with rank-2
// factors of std 0.8 (p . q has std ~0.9), biases of std 0.3 and noise std 0.1, clamped to [1, 5].
Dataset low_rank_dataset() {
  Dataset ds;
  ds.name = "low-rank";
  ds.min_rating = 1;
  ds.max_rating = 5;
  const int64_t nu = 40, ni = 30;
  for (int64_t u = 0; u < nu; ++u) ds.users.add(1000 + u);
  for (int64_t i = 0; i < ni; ++i) ds.items.add(5000 + i);
  std::mt19937 gen(7);
  std::normal_distribution<double> n01(0.0, 1.0);
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  std::vector<double> p(nu * 2), q(ni * 2), bu(nu), bi(ni);
  for (double& v : p) v = 0.8 * n01(gen);
  for (double& v : q) v = 0.8 * n01(gen);
  for (double& v : bu) v = 0.3 * n01(gen);
  for (double& v : bi) v = 0.3 * n01(gen);
  for (int64_t u = 0; u < nu; ++u)
    for (int64_t i = 0; i < ni; ++i) {
      if (u01(gen) > 0.8) continue;
      double r =
          3.0 + bu[u] + bi[i] + p[2 * u] * q[2 * i] + p[2 * u + 1] * q[2 * i + 1] + 0.1 * n01(gen);
      ds.ratings.push_back(u, i, static_cast<float>(std::clamp(r, 1.0, 5.0)), u * 100 + i);
    }
  return ds;
}

// Every tenth rating to valid, the rest to train (no test part is needed here).
Split train_valid(const Dataset& ds) {
  Split s;
  for (size_t r = 0; r < ds.ratings.size(); ++r)
    (r % 10 == 0 ? s.valid : s.train)
        .push_back(ds.ratings.user[r], ds.ratings.item[r], ds.ratings.rating[r],
                   ds.ratings.timestamp[r]);
  return s;
}

// RMSE of the best bias-only model mean + b_u + b_i (unregularised, by alternating means).
double bias_only_rmse(const Dataset& ds, const Interactions& d) {
  double mean = 0;
  for (float r : d.rating) mean += r;
  mean /= static_cast<double>(d.size());
  std::vector<double> bu(static_cast<size_t>(ds.num_users()), 0.0),
      bi(static_cast<size_t>(ds.num_items()), 0.0);
  for (int iter = 0; iter < 50; ++iter) {
    for (int side = 0; side < 2; ++side) {
      std::vector<double>& b = side ? bi : bu;
      std::vector<double> sum(b.size(), 0.0), cnt(b.size(), 0.0);
      for (size_t r = 0; r < d.size(); ++r) {
        const auto u = static_cast<size_t>(d.user[r]), i = static_cast<size_t>(d.item[r]);
        const double resid = d.rating[r] - mean - (side ? bu[u] : bi[i]);
        sum[side ? i : u] += resid;
        cnt[side ? i : u] += 1;
      }
      for (size_t e = 0; e < b.size(); ++e) b[e] = cnt[e] > 0 ? sum[e] / cnt[e] : 0.0;
    }
  }
  double se = 0;
  for (size_t r = 0; r < d.size(); ++r) {
    const double e = d.rating[r] - mean - bu[static_cast<size_t>(d.user[r])] -
                     bi[static_cast<size_t>(d.item[r])];
    se += e * e;
  }
  return std::sqrt(se / static_cast<double>(d.size()));
}

double rmse_of_mean(const Interactions& d) {
  double mean = 0, se = 0;
  for (float r : d.rating) mean += r;
  mean /= static_cast<double>(d.size());
  for (float r : d.rating) se += (r - mean) * (r - mean);
  return std::sqrt(se / static_cast<double>(d.size()));
}

TrainConfig small_config(int64_t dim, int64_t samples, uint64_t seed = 42) {
  TrainConfig cfg;
  cfg.dim = dim;
  cfg.epochs = samples;
  cfg.seed = seed;
  cfg.refit = 0;
  cfg.quiet = true;
  return cfg;
}

std::shared_ptr<Bpmf> fitted(const Dataset& ds, const Split& split, const TrainConfig& cfg,
                             int64_t burn_in, FitReport* rep = nullptr) {
  auto model = std::make_shared<Bpmf>(ds.num_users(), ds.num_items());
  model->options().burn_in = burn_in;
  FitReport r = model->fit(ds, split, cfg, nullptr);
  if (rep) *rep = r;
  return model;
}

Tensor all_pairs_prediction(Recommender& model, const Dataset& ds) {
  std::vector<int64_t> users, items;
  for (int64_t u = 0; u < ds.num_users(); ++u)
    for (int64_t i = 0; i < ds.num_items(); ++i) {
      users.push_back(u);
      items.push_back(i);
    }
  return model.predict(tg::from_vector(users), tg::from_vector(items));
}

}  // namespace

TEST_CASE("bpmf: the Gibbs sampler fits a low-rank matrix far better than biases alone") {
  Dataset ds = low_rank_dataset();
  Split split = train_valid(ds);
  FitReport rep;
  auto model = fitted(ds, split, small_config(3, 30), 20, &rep);
  const double train_rmse = evaluate_ratings(*model, split.train).rmse;
  const double bias_rmse = bias_only_rmse(ds, split.train), mean_rmse = rmse_of_mean(split.train);
  CAPTURE(train_rmse);
  CAPTURE(bias_rmse);
  CAPTURE(mean_rmse);
  REQUIRE(bias_rmse > 0.6);  // the data really needs the factors
  CHECK(train_rmse < 0.4 * bias_rmse);
  CHECK(train_rmse < 0.3 * mean_rmse);
  // Held out too: the validation RMSE of the averaged samples beats the bias-only fit clearly.
  CHECK(rep.epochs_run == 50);
  REQUIRE(rep.valid_curve.size() == 50);
  CHECK(rep.best_valid_rmse == rep.valid_curve.back());
  CHECK(rep.best_valid_rmse < 0.6 * bias_rmse);
  // Recommend and similar work on the sampled model.
  auto recs = model->recommend(0, 5, ds, split.train);
  CHECK(recs.size() == 5);
  auto sims = model->similar(0, 3);
  CHECK(sims.size() == 3);
  for (const Scored& s : sims) CHECK(std::isfinite(s.score));
}

TEST_CASE("bpmf: the same seed gives bitwise the same predictions at 1 and 2 threads") {
  Dataset ds = low_rank_dataset();
  Split split = train_valid(ds);
  const int before = tg::get_num_threads();
  tg::set_num_threads(1);
  Tensor a = all_pairs_prediction(*fitted(ds, split, small_config(2, 5), 3), ds);
  tg::set_num_threads(2);
  Tensor b = all_pairs_prediction(*fitted(ds, split, small_config(2, 5), 3), ds);
  tg::set_num_threads(before);
  Tensor c = all_pairs_prediction(*fitted(ds, split, small_config(2, 5, 43), 3), ds);
  CHECK(tg::equal(a, b));
  CHECK_FALSE(tg::equal(a, c));
}

TEST_CASE("bpmf: a saved model loads and predicts identically, the refit chain included") {
  Dataset ds = tg_test::tiny_dataset();
  Split split = tg_test::tiny_split(ds);
  auto model = std::make_shared<Bpmf>(ds.num_users(), ds.num_items());
  model->options().burn_in = 4;
  model->set_option("sample_alpha", "true");
  TrainConfig cfg = small_config(3, 6);
  cfg.refit = 1;
  model->fit(ds, split, cfg, nullptr);
  CHECK(model->heldout_valid_predictions().size() == split.valid.size());
  tg_test::TempDir dir("tg_bpmf");
  const std::string path = dir.file("bpmf.safetensors");
  save_model(path, *model, "bpmf", ds);
  std::string name;
  auto loaded = load_model(path, ds, &name);
  CHECK(name == "bpmf");
  CHECK(tg::equal(all_pairs_prediction(*loaded, ds), all_pairs_prediction(*model, ds)));
  CHECK(loaded->option_values() == model->option_values());
  CHECK(tg::equal(loaded->item_vectors(), model->item_vectors()));
}

TEST_CASE("bpmf: unknown users and items get finite fallbacks from the known side") {
  Dataset ds = tg_test::tiny_dataset();
  Split split = tg_test::tiny_split(ds);
  auto model = fitted(ds, split, small_config(2, 4), 2);
  const int64_t nu = ds.num_users(), ni = ds.num_items();
  Tensor pred = model->predict(tg::from_vector<int64_t>({nu, 0, -1, nu + 5}),
                               tg::from_vector<int64_t>({0, ni, -1, ni + 2}));
  REQUIRE(pred.numel() == 4);
  for (float v : pred.to_vector<float>()) CHECK((std::isfinite(v) && v >= 1.0f && v <= 5.0f));
  // Unknown on both sides: the global mean.
  CHECK(pred.to_vector<float>()[2] ==
        doctest::Approx(model->state_dict().at("global_mean").item<float>()));
  CHECK(model->score_all(-1, ni).numel() == ni);
  CHECK_NOTHROW(model->recommend(-1, 3, ds, ds.ratings));
}

TEST_CASE("bpmf: bad settings are tg::Errors") {
  Dataset ds = tg_test::tiny_dataset();
  Split split = tg_test::tiny_split(ds);
  auto fit_with = [&](int64_t dim, int64_t samples) {
    Bpmf model(ds.num_users(), ds.num_items());
    model.fit(ds, split, small_config(dim, samples), nullptr);
  };
  CHECK_THROWS_WITH_AS(fit_with(0, 3), doctest::Contains("dim must be positive"), tg::Error);
  CHECK_THROWS_AS(fit_with(-5, 3), tg::Error);
  CHECK_THROWS_WITH_AS(fit_with(2, 0), doctest::Contains("epochs"), tg::Error);
  CHECK_THROWS_AS(fit_with(2, -2), tg::Error);
  Bpmf model(ds.num_users(), ds.num_items());
  CHECK_THROWS_AS(model.set_option("alpha", "0"), tg::Error);
  CHECK_THROWS_AS(model.set_option("burn_in", "-1"), tg::Error);
  CHECK_THROWS_AS(model.set_option("beta0", "-1"), tg::Error);
  CHECK_THROWS_AS(model.set_option("w0", "nan"), tg::Error);
  CHECK_THROWS_AS(model.set_option("no_such", "1"), tg::Error);
  TrainConfig binary = small_config(2, 3);
  binary.task = "binary";
  CHECK_THROWS_AS(model.fit(ds, split, binary, nullptr), tg::Error);
  CHECK_THROWS_AS(
      make_model("bpmf", ds)->predict(tg::from_vector<int64_t>({0}), tg::from_vector<int64_t>({0})),
      tg::Error);
}
