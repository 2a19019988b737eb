// tests/test_recsys_models.cpp — the recommender models: gradients of each gradient-trained
// model (float64 gradcheck on a tiny instance), save/load round trips, unknown-id fallbacks,
// accuracy on the real ML-100K u1 split (skipped with a message when the data is absent), and the
// CLI's error paths.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <tapegrad/recsys/data/dataset.h>
#include <tapegrad/recsys/data/split.h>
#include <tapegrad/recsys/models/deep_mf.h>
#include <tapegrad/recsys/models/gradient_model.h>
#include <tapegrad/recsys/models/mf.h>
#include <tapegrad/recsys/models/recommender.h>
#include <tapegrad/tapegrad.h>

#include "recsys_fixtures.h"

using namespace tg::recsys;
using tg::Tensor;

using tg_test::tiny_dataset;
using tg_test::tiny_split;

TEST_CASE("recsys models: gradcheck of every gradient-trained model on a tiny instance") {
  Dataset ds = tiny_dataset();
  for (const std::string name : {"mf", "deep_mf", "wide_deep"}) {
    CAPTURE(name);
    auto model = std::dynamic_pointer_cast<GradientRecommender>(make_model(name, ds));
    REQUIRE(model);
    TrainConfig cfg;
    cfg.dim = 3;
    cfg.weight_decay = 0.1;
    model->prepare(ds, cfg, 3.0f);
    model->eval();  // no dropout: the function must be deterministic
    model->to(tg::kFloat64);
    Tensor users = tg::from_vector<int64_t>({0, 3, 5, 3});
    Tensor items = tg::from_vector<int64_t>({1, 6, 2, 1});
    Tensor ratings = tg::from_vector<double>({4, 2, 5, 3});
    // Check every parameter tensor that is small enough for a full finite-difference sweep.
    int checked = 0;
    for (auto& [pname, p] : model->named_parameters()) {
      if (p.numel() > 200) continue;
      CAPTURE(pname);
      CHECK(tg::autograd::gradcheck(
          [&](const std::vector<Tensor>&) { return model->loss(users, items, ratings); }, {p}, 1e-6,
          1e-5, 1e-3));
      ++checked;
    }
    CHECK(checked >= 4);
  }
}

TEST_CASE("recsys models: every model trains on the tiny data and round-trips through a file") {
  Dataset ds = tiny_dataset();
  Split split = tiny_split(ds);
  auto dir = std::filesystem::temp_directory_path() / ("tg_models_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const std::string& name : model_names()) {
    CAPTURE(name);
    auto model = make_model(name, ds);
    TrainConfig cfg;
    cfg.epochs = 3;
    cfg.dim = 4;
    cfg.batch = 8;
    FitReport rep = model->fit(ds, split, cfg, nullptr);
    CHECK(rep.epochs_run >= 1);
    Tensor users = tg::from_vector<int64_t>({0, 1, 5, 99});  // 99: unknown user
    Tensor items = tg::from_vector<int64_t>({0, 6, 3, 2});
    Tensor pred = model->predict(users, items);
    CHECK(pred.sizes() == tg::DimVec{4});
    for (float v : pred.to_vector<float>()) CHECK((v >= 1.0f && v <= 5.0f));
    std::string path = (dir / (name + ".safetensors")).string();
    save_model(path, *model, name, ds);
    std::string loaded_name;
    auto loaded = load_model(path, ds, &loaded_name);
    CHECK(loaded_name == name);
    CHECK(tg::allclose(loaded->predict(users, items), pred, 1e-5, 1e-5));
    auto recs = loaded->recommend(0, 3, ds, ds.ratings);
    CHECK(recs.size() <= 3);
    for (const Scored& s : recs)
      for (size_t r = 0; r < ds.ratings.size(); ++r)
        CHECK_FALSE((ds.ratings.user[r] == 0 && ds.ratings.item[r] == s.item));  // seen items hidden
  }
  std::filesystem::remove_all(dir);
}

namespace {

// Exposes DeepMf's pretraining step (a protected hook of the training loop) to the tests.
struct DeepMfProbe : DeepMf {
  using DeepMf::fit_features;
};

double rmse_of_mean(const Interactions& train, const Interactions& test) {
  double mean = 0, se = 0;
  for (float r : train.rating) mean += r;
  mean /= static_cast<double>(train.size());
  for (float r : test.rating) se += (r - mean) * (r - mean);
  return std::sqrt(se / static_cast<double>(test.size()));
}

}  // namespace

TEST_CASE("recsys models: deep MF pretraining starts from a biased MF fitted on train") {
  Dataset ds = tiny_dataset();
  Split split = tiny_split(ds);
  TrainConfig cfg;
  cfg.dim = 4;
  cfg.seed = 7;
  DeepMfProbe dmf;
  REQUIRE(dmf.options().pretrain);  // the default
  dmf.prepare(ds, cfg, 3.0f);
  const Tensor random_init = dmf.state_dict().at("user_emb").clone();
  dmf.fit_features(ds, split.train);
  // The same MF, fitted by hand on the same data: the nested validation part comes from train
  // (seed + 1; a third of each user's ratings on data this small), never from split.valid.
  Split nested;
  nested.train = split.train;
  carve_validation(nested, 0.34, cfg.seed + 1);
  BiasedMf mf;
  TrainConfig c;
  c.dim = 4;
  c.seed = 7;
  c.quiet = true;
  mf.fit(ds, nested, c, nullptr);
  const auto got = dmf.state_dict(), want = mf.state_dict();
  CHECK_FALSE(tg::allclose(got.at("user_emb"), random_init, 1e-6, 1e-6));
  CHECK(tg::allclose(got.at("user_emb"), want.at("user_factors"), 0, 0));
  CHECK(tg::allclose(got.at("item_emb"), want.at("item_factors"), 0, 0));
  CHECK(tg::allclose(got.at("user_bias"), want.at("user_bias"), 0, 0));
  // The item biases also carry the difference of the two global means (the MF's is that of its
  // nested training part).
  const float shift = want.at("global_mean").item<float>() - 3.0f;
  CHECK(tg::allclose(got.at("item_bias"), tg::add(want.at("item_bias"), tg::Scalar(shift)), 1e-6,
                     1e-6));
  // With the dot term the tower's last layer starts at zero: the model predicts as the MF does.
  Tensor users = tg::from_vector<int64_t>({0, 2, 5});
  Tensor items = tg::from_vector<int64_t>({1, 3, 6});
  dmf.eval();
  CHECK(tg::allclose(dmf.predict(users, items), mf.predict(users, items), 1e-5, 1e-5));
}

TEST_CASE("recsys models: deep MF trains with and without pretraining and beats the mean") {
  Dataset ds = tiny_dataset();
  Split split = tiny_split(ds);
  const double baseline = rmse_of_mean(split.train, split.test);
  for (const bool pretrain : {true, false}) {
    CAPTURE(pretrain);
    DeepMf model;
    model.options().pretrain = pretrain;
    model.options().dot = pretrain;
    TrainConfig cfg;
    cfg.dim = 4;
    cfg.batch = 8;
    cfg.lr = 0.01;
    cfg.epochs = 40;
    cfg.patience = 40;
    FitReport rep = model.fit(ds, split, cfg, nullptr);
    CHECK(rep.best_epoch >= 1);
    const double rmse = evaluate_ratings(model, split.test).rmse;
    MESSAGE("deep_mf pretrain=" << pretrain << ": test RMSE " << rmse << ", mean " << baseline);
    CHECK(rmse < baseline);
  }
}

TEST_CASE("recsys models: gradcheck of deep MF's tower without the dot term") {
  // The default (dot on) starts the tower's last layer at zero, so the gradients of the layers
  // before it are zero at initialisation; this checks them with a non-zero tower.
  Dataset ds = tiny_dataset();
  DeepMf model;
  model.options().dot = false;
  TrainConfig cfg;
  cfg.dim = 3;
  cfg.weight_decay = 0.1;
  model.prepare(ds, cfg, 3.0f);
  model.eval();
  model.to(tg::kFloat64);
  Tensor users = tg::from_vector<int64_t>({0, 3, 5, 3});
  Tensor items = tg::from_vector<int64_t>({1, 6, 2, 1});
  Tensor ratings = tg::from_vector<double>({4, 2, 5, 3});
  for (auto& [pname, p] : model.named_parameters()) {
    if (pname.rfind("tower.", 0) != 0) continue;
    CAPTURE(pname);
    CHECK(tg::autograd::gradcheck(
        [&](const std::vector<Tensor>&) { return model.loss(users, items, ratings); }, {p}, 1e-6,
        1e-5, 1e-3));
  }
}

TEST_CASE("recsys models: loading a model for other data is refused") {
  Dataset ds = tiny_dataset();
  auto model = make_model("als", ds);
  TrainConfig cfg;
  cfg.epochs = 1;
  model->fit(ds, tiny_split(ds), cfg, nullptr);
  auto path = (std::filesystem::temp_directory_path() / ("tg_als_" + std::to_string(::getpid()) + ".safetensors")).string();
  save_model(path, *model, "als", ds);
  Dataset other = tiny_dataset();
  other.users.add(999);
  CHECK_THROWS_WITH_AS(load_model(path, other), doctest::Contains("other user/item ids"), tg::Error);
  std::filesystem::remove(path);
}

TEST_CASE("recsys models: biased MF, ALS and deep MF on the real ML-100K u1 split") {
  const char* dir = std::getenv("TG_DATA_DIR");
  if (!dir || !std::filesystem::exists(std::filesystem::path(dir) / "u1.base")) {
    MESSAGE("skipped: TG_DATA_DIR is not set or has no ML-100K (u1.base); set it to run this test");
    return;
  }
  Dataset ds = load_dataset(dir);
  Split split = split_predefined(ds, "u1");
  carve_validation(split, 0.05, 42);
  for (const std::string name : {"mf", "als", "deep_mf"}) {
    CAPTURE(name);
    auto model = make_model(name, ds);
    TrainConfig cfg;
    FitReport rep = model->fit(ds, split, cfg, nullptr);
    RatingEval ev = evaluate_ratings(*model, split.test);
    MESSAGE(name << ": test RMSE " << ev.rmse << " after " << rep.epochs_run << " epochs");
    CHECK(ev.rmse <= (name == "als" ? 0.935 : 0.93));
  }
}

#ifdef TG_RECSYS_BIN
namespace {
int run_cli(const std::string& args) {
  std::string cmd = std::string(TG_RECSYS_BIN) + " " + args + " >/dev/null 2>&1";
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}
}  // namespace

TEST_CASE("tapegrad-recsys: usage errors exit with 2, data errors with 1") {
  CHECK(run_cli("") == 2);                                   // no command
  CHECK(run_cli("train --no-such-flag") == 2);               // bad flag
  CHECK(run_cli("train --model nope --data /nonexistent") == 2);  // unknown model
  CHECK(run_cli("train --data /nonexistent/folder --model mf") == 1);  // missing data: tg::Error
  CHECK(run_cli("--help") == 0);
}
#endif
