// recsys/models/gradient_model.cpp — the shared mini-batch training loop.
#include "gradient_model.h"

#include <chrono>
#include <cmath>

#include "../../autograd/grad_mode.h"
#include "../../optim/optim.h"
#include "../../tensor/generator.h"
#include "../../tensor/ops.h"
#include "../data/batch.h"

namespace tg::recsys {

std::unique_ptr<optim::Optimizer> make_optimizer(const std::string& name,
                                                 const std::vector<Tensor>& params, double lr,
                                                 double weight_decay) {
  if (name == "adam") {
    optim::AdamOptions o;
    o.lr = lr;
    o.weight_decay = weight_decay;
    return std::make_unique<optim::Adam>(params, o);
  }
  if (name == "adamw") {
    optim::AdamWOptions o;
    o.lr = lr;
    o.weight_decay = weight_decay;
    return std::make_unique<optim::AdamW>(params, o);
  }
  if (name == "sgd") {
    optim::SGDOptions o;
    o.lr = lr;
    return std::make_unique<optim::SGD>(params, o);
  }
  if (name == "adagrad") {
    optim::AdagradOptions o;
    o.lr = lr;
    return std::make_unique<optim::Adagrad>(params, o);
  }
  if (name == "sparse_adam") {
    optim::SparseAdamOptions o;
    o.lr = lr;
    return std::make_unique<optim::SparseAdam>(params, o);
  }
  if (name == "rowwise_adagrad") {
    optim::RowWiseAdagradOptions o;
    o.lr = lr;
    return std::make_unique<optim::RowWiseAdagrad>(params, o);
  }
  if (name == "rmsprop") {
    optim::RMSpropOptions o;
    o.lr = lr;
    return std::make_unique<optim::RMSprop>(params, o);
  }
  TG_THROW("optimizer: unknown optimizer '", name,
           "' (expected adam, adamw, sgd, adagrad, sparse_adam, rowwise_adagrad or rmsprop)");
}

Tensor GradientRecommender::loss(const Tensor& users, const Tensor& items, const Tensor& ratings) {
  Tensor err = sub(forward(users, items), ratings);
  Tensor l = mean(mul(err, err));
  Tensor reg = regularization(users, items);
  return reg.defined() ? add(l, reg) : l;
}

void GradientRecommender::prepare(const Dataset& ds, const TrainConfig& cfg_in, float mean) {
  Defaults d = defaults();
  cfg_ = cfg_in;
  if (cfg_.epochs <= 0) cfg_.epochs = d.epochs;
  if (cfg_.dim <= 0) cfg_.dim = d.dim;
  if (cfg_.lr <= 0) cfg_.lr = d.lr;
  if (cfg_.batch <= 0) cfg_.batch = d.batch;
  if (cfg_.optimizer.empty()) cfg_.optimizer = d.optimizer;
  if (cfg_.weight_decay < 0) cfg_.weight_decay = d.weight_decay;
  num_users_ = ds.num_users();
  num_items_ = ds.num_items();
  min_rating_ = ds.min_rating;
  max_rating_ = ds.max_rating;
  mean_ = mean;
  manual_seed(cfg_.seed);
  build(ds, Interactions(), cfg_);
}

FitReport GradientRecommender::fit(const Dataset& ds, const Split& split, const TrainConfig& cfg_in,
                                   const ProgressFn& progress) {
  auto start = std::chrono::steady_clock::now();
  TG_CHECK(split.train.size() > 0, type_name(), ".fit: the training set is empty");
  TG_CHECK(split.valid.size() > 0, type_name(), ".fit: the validation set is empty");
  double sum = 0;
  for (float r : split.train.rating) sum += r;
  prepare(ds, cfg_in, static_cast<float>(sum / static_cast<double>(split.train.size())));
  auto optimizers = make_optimizers(cfg_);

  Generator gen(cfg_.seed);
  BatchIterator it(split.train, cfg_.batch, /*shuffle=*/true, &gen);
  FitReport rep;
  rep.best_valid_rmse = INFINITY;
  nn::StateDict best;
  int stale = 0;
  for (int64_t epoch = 1; epoch <= cfg_.epochs; ++epoch) {
    train();
    Batch b;
    int64_t nb = 0, total = it.num_batches();
    double running = 0;
    while (it.next(b)) {
      Tensor l = loss(b.users, b.items, b.ratings);
      for (auto& opt : optimizers) opt->zero_grad();
      l.backward();
      for (auto& opt : optimizers) opt->step();
      double lv = l.item<double>();
      TG_CHECK(std::isfinite(lv), type_name(), ": the training loss became ", lv, " in epoch ",
               epoch, " (lower the learning rate)");
      running = nb == 0 ? lv : 0.98 * running + 0.02 * lv;
      ++nb;
      if (progress && (nb % 16 == 0 || nb == total)) progress(epoch, cfg_.epochs, nb, total, running);
    }
    double v = evaluate_ratings(*this, split.valid).rmse;
    rep.valid_curve.push_back(v);
    rep.epochs_run = epoch;
    if (v < rep.best_valid_rmse - 1e-5) {
      rep.best_valid_rmse = v;
      rep.best_epoch = epoch;
      best.clear();
      NoGradGuard no_grad;
      for (auto& [k, t] : state_dict()) best.emplace(k, t.clone());
      stale = 0;
    } else if (++stale >= cfg_.patience) {
      break;
    }
  }
  if (!best.empty()) load_state_dict(best);
  eval();
  rep.train_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return rep;
}

Tensor GradientRecommender::predict(const Tensor& users, const Tensor& items) {
  NoGradGuard no_grad;
  // Unknown ids are mapped to row 0 and their contribution is replaced by the global mean
  // (the models' forward only sees valid rows).
  Tensor known = logical_and(lt(users, Scalar(num_users_)), lt(items, Scalar(num_items_)));
  known = logical_and(known, logical_and(ge(users, Scalar(0)), ge(items, Scalar(0))));
  Tensor u = where(known, users, zeros_like(users)), i = where(known, items, zeros_like(items));
  Tensor pred = where(known, forward(u, i), full({}, mean_, kFloat32));
  return clamp(pred, min_rating_, max_rating_);
}

}  // namespace tg::recsys
