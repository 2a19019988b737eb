// tests/test_recsys_models.cpp — the recommender models: gradients of each gradient-trained
// model (float64 gradcheck on a tiny instance), save/load round trips, unknown-id fallbacks,
// accuracy on the real ML-100K u1 split (skipped with a message when the data is absent), and the
// CLI's error paths.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <tapegrad/recsys/data/dataset.h>
#include <tapegrad/recsys/data/split.h>
#include <tapegrad/recsys/models/gradient_model.h>
#include <tapegrad/recsys/models/recommender.h>
#include <tapegrad/tapegrad.h>

#include "recsys_fixtures.h"

using namespace tg::recsys;
using tg::Tensor;

namespace {

using tg_test::tiny_dataset;
using tg_test::tiny_split;

}  // namespace

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

TEST_CASE("recsys models: biased MF and ALS on the real ML-100K u1 split") {
  const char* dir = std::getenv("TG_DATA_DIR");
  if (!dir || !std::filesystem::exists(std::filesystem::path(dir) / "u1.base")) {
    MESSAGE("skipped: TG_DATA_DIR is not set or has no ML-100K (u1.base); set it to run this test");
    return;
  }
  Dataset ds = load_dataset(dir);
  Split split = split_predefined(ds, "u1");
  carve_validation(split, 0.05, 42);
  for (const std::string name : {"mf", "als"}) {
    CAPTURE(name);
    auto model = make_model(name, ds);
    TrainConfig cfg;
    FitReport rep = model->fit(ds, split, cfg, nullptr);
    RatingEval ev = evaluate_ratings(*model, split.test);
    MESSAGE(name << ": test RMSE " << ev.rmse << " after " << rep.epochs_run << " epochs");
    CHECK(ev.rmse <= (name == "mf" ? 0.93 : 0.935));
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
