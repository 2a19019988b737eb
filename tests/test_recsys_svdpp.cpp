// tests/test_recsys_svdpp.cpp — SVD++ (recsys/models/svdpp.h): float64 gradcheck on a tiny
// instance (implicit-feedback lists filled by a fit), the implicit lists built from the training
// interactions only, and the refit protocol (TrainConfig::refit) keeping held-out predictions.
#include <doctest/doctest.h>

#include <tapegrad/recsys/data/dataset.h>
#include <tapegrad/recsys/data/split.h>
#include <tapegrad/recsys/models/svdpp.h>
#include <tapegrad/tapegrad.h>

#include "recsys_fixtures.h"

using namespace tg::recsys;
using tg::Tensor;

using tg_test::tiny_dataset;
using tg_test::tiny_split;

TEST_CASE("svdpp: gradcheck of the loss over every parameter after a fit") {
  Dataset ds = tiny_dataset();
  SvdPP model;
  TrainConfig cfg;
  cfg.dim = 3;
  cfg.epochs = 2;
  cfg.batch = 4;
  cfg.weight_decay = 0.1;
  cfg.refit = 0;
  model.fit(ds, tiny_split(ds), cfg, nullptr);  // fills the implicit lists
  model.eval();  // all of N(u), no sampling: deterministic
  model.to(tg::kFloat64);
  Tensor users = tg::from_vector<int64_t>({0, 3, 4, 3});
  Tensor items = tg::from_vector<int64_t>({1, 5, 2, 1});
  Tensor ratings = tg::from_vector<double>({4, 2, 5, 3});
  int checked = 0;
  for (auto& [name, p] : model.named_parameters()) {
    CAPTURE(name);
    CHECK(tg::autograd::gradcheck(
        [&](const std::vector<Tensor>&) { return model.loss(users, items, ratings); }, {p}, 1e-6,
        1e-5, 1e-3));
    ++checked;
  }
  CHECK(checked == 5);
  // The implicit factors matter: the gradient of y is not all zero.
  model.zero_grad();
  model.loss(users, items, ratings).backward();
  for (auto& [name, p] : model.named_parameters())
    if (name == "implicit_factors") CHECK(tg::sum(tg::abs(p.grad().to_dense())).item<double>() > 0);
}

TEST_CASE("svdpp: the implicit lists hold the training pairs only, and a refit keeps held-out predictions") {
  Dataset ds = tiny_dataset();
  Split split = tiny_split(ds);
  for (int refit : {0, 1}) {
    CAPTURE(refit);
    SvdPP model;
    TrainConfig cfg;
    cfg.dim = 3;
    cfg.epochs = 3;
    cfg.batch = 4;
    cfg.refit = refit;
    FitReport rep = model.fit(ds, split, cfg, nullptr);
    const size_t expected = refit && rep.best_epoch > 0 ? split.train.size() + split.valid.size()
                                                        : split.train.size();
    auto sd = model.state_dict();
    CHECK(static_cast<size_t>(sd.at("implicit_items").numel()) == expected);
    CHECK(sd.at("implicit_offsets").to_vector<int64_t>().back() == static_cast<int64_t>(expected));
    if (refit && rep.best_epoch > 0) CHECK(model.heldout_valid_predictions().size() == split.valid.size());
    else CHECK(model.heldout_valid_predictions().empty());
  }
}

TEST_CASE("svdpp: batches of whole users and the full implicit sum train and predict in range") {
  Dataset ds = tiny_dataset();
  Split split = tiny_split(ds);
  SvdPP model;
  model.options().user_batches = true;
  model.options().implicit_sample = 0;
  model.options().user_lr = 3.0;
  TrainConfig cfg;
  cfg.dim = 3;
  cfg.epochs = 3;
  cfg.batch = 4;
  FitReport rep = model.fit(ds, split, cfg, nullptr);
  CHECK(rep.epochs_run >= 1);
  Tensor pred = model.predict(tg::from_vector<int64_t>({0, 2, 4, 77}), tg::from_vector<int64_t>({1, 3, 5, 0}));
  for (float v : pred.to_vector<float>()) CHECK((v >= 1.0f && v <= 5.0f));
}
