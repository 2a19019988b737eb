// tests/test_recsys_options.cpp — model settings beyond TrainConfig (recsys/models/model_options.h):
// parsing and range checks, saved with a model and restored on load (including files written
// before models saved them), and part of a training checkpoint's settings.
#include <doctest/doctest.h>

#include <string>

#include <tapegrad/nn/serialize.h>
#include <tapegrad/recsys/models/deep_mf.h>
#include <tapegrad/recsys/models/mf.h>
#include <tapegrad/recsys/models/recommender.h>
#include <tapegrad/tapegrad.h>

#include "recsys_fixtures.h"
#include "temp_dir.h"

using namespace tg::recsys;

TEST_CASE("model options: typed values and text both ways with clear errors") {
  bool flag = true;
  int64_t width = 64;
  double rate = 0.2;
  ModelOptions o("Toy");
  o.add("flag", flag);
  o.add("width", width, 2, 1024);
  o.add("rate", rate, 0.0, 0.99);
  CHECK(o.has("width"));
  CHECK_FALSE(o.has("depth"));
  const auto v = o.values();
  CHECK(v.at("flag") == "true");
  CHECK(v.at("width") == "64");
  CHECK(v.at("rate") == "0.2");  // the shortest text that reads back exactly

  o.set("flag", "false");
  o.set("width", "128");
  o.set("rate", "0.1");
  CHECK_FALSE(flag);
  CHECK(width == 128);
  CHECK(rate == 0.1);
  o.set("flag", "1");
  CHECK(flag);
  rate = 1.0 / 3.0;
  CHECK(std::stod(o.values().at("rate")) == rate);

  CHECK_THROWS_WITH_AS(o.set("depth", "3"),
                       doctest::Contains("Toy: unknown option 'depth' (its options: flag, width, rate)"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(o.set("flag", "yes"), doctest::Contains("option flag must be true or false"), tg::Error);
  CHECK_THROWS_WITH_AS(o.set("width", "12x"), doctest::Contains("option width must be a number"), tg::Error);
  CHECK_THROWS_WITH_AS(o.set("width", "1"), doctest::Contains("option width must be in [2, 1024]"), tg::Error);
  CHECK_THROWS_WITH_AS(o.set("width", "2.5"), doctest::Contains("option width must be an integer"), tg::Error);
  CHECK_THROWS_WITH_AS(o.set("rate", "nan"), doctest::Contains("option rate must be a number"), tg::Error);
  CHECK_THROWS_WITH_AS(o.set("rate", ""), doctest::Contains("option rate must be a number"), tg::Error);
  CHECK(width == 128);  // failed sets change nothing
}

TEST_CASE("model options: a model lists and saves them and load restores them") {
  const Dataset ds = tg_test::tiny_dataset();
  const Split split = tg_test::tiny_split(ds);
  tg_test::TempDir dir("tg_options");
  auto model = make_model("deep_mf", ds);
  CHECK(model->option_values().at("dot") == "true");
  model->set_option("dot", "false");
  model->set_option("pretrain", "false");
  model->set_option("hidden", "8");
  CHECK(model->option_values().at("dot") == "false");
  CHECK_THROWS_WITH_AS(model->set_option("dim", "4"), doctest::Contains("DeepMF: unknown option 'dim'"),
                       tg::Error);
  TrainConfig cfg = tg_test::tiny_config(/*dim=*/4, /*epochs=*/2, /*batch=*/8);
  model->fit(ds, split, cfg, nullptr);
  const std::string path = dir.path + "/dmf.safetensors";
  save_model(path, *model, "deep_mf", ds);
  const tg::nn::Loaded file = tg::nn::load_safetensors(path);
  CHECK(file.metadata.at("option.dot") == "false");
  CHECK(file.metadata.at("option.hidden") == "8");

  const tg::Tensor users = tg::from_vector<int64_t>({0, 1, 5, 2});
  const tg::Tensor items = tg::from_vector<int64_t>({0, 6, 3, 2});
  const tg::Tensor pred = model->predict(users, items);
  auto loaded = load_model(path, ds);
  CHECK(loaded->option_values() == model->option_values());
  CHECK(tg::equal(loaded->predict(users, items), pred));

  // A bad value in a file is an error naming the file and the key.
  tg::nn::Metadata md = file.metadata;
  md["option.dropout"] = "7";
  const std::string bad = dir.path + "/bad.safetensors";
  tg::nn::save_safetensors(bad, file.tensors, md);
  CHECK_THROWS_WITH_AS(load_model(bad, ds), doctest::Contains("metadata 'option.dropout'"), tg::Error);
}

TEST_CASE("model options: a file without them gets the settings of its time (deep_mf without dot term)") {
  const Dataset ds = tg_test::tiny_dataset();
  const Split split = tg_test::tiny_split(ds);
  tg_test::TempDir dir("tg_options_legacy");
  DeepMf old;  // as trained before the dot term and pretraining existed
  old.options().dot = false;
  old.options().pretrain = false;
  TrainConfig cfg = tg_test::tiny_config(/*dim=*/4, /*epochs=*/2, /*batch=*/8);
  old.fit(ds, split, cfg, nullptr);
  const std::string path = dir.path + "/old.safetensors";
  save_model(path, old, "deep_mf", ds);
  tg::nn::Loaded file = tg::nn::load_safetensors(path);
  tg::nn::Metadata md;
  for (const auto& [k, v] : file.metadata)
    if (k.rfind("option.", 0) != 0) md[k] = v;
  tg::nn::save_safetensors(path, file.tensors, md);

  auto loaded = load_model(path, ds);
  CHECK(loaded->option_values().at("dot") == "false");
  const tg::Tensor users = tg::from_vector<int64_t>({0, 1, 5, 2});
  const tg::Tensor items = tg::from_vector<int64_t>({0, 6, 3, 2});
  CHECK(tg::equal(loaded->predict(users, items), old.predict(users, items)));
}

TEST_CASE("model options: resuming a checkpoint with other options is refused") {
  const Dataset ds = tg_test::tiny_dataset();
  const Split split = tg_test::tiny_split(ds);
  tg_test::TempDir dir("tg_options_ck");
  TrainConfig cfg = tg_test::tiny_config(/*dim=*/4, /*epochs=*/2, /*batch=*/8);
  cfg.checkpoint = dir.path + "/mf.ck";
  {
    BiasedMf m;
    m.fit(ds, split, cfg, nullptr);
  }
  cfg.resume = true;
  BiasedMf other;
  other.set_option("reg_alpha", "0");
  CHECK_THROWS_WITH_AS(other.fit(ds, split, cfg, nullptr), doctest::Contains("reg_alpha=0"), tg::Error);
  BiasedMf same;
  CHECK_NOTHROW(same.fit(ds, split, cfg, nullptr));
}
