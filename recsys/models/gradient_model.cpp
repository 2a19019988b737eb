// recsys/models/gradient_model.cpp — the shared mini-batch training loop.
#include "gradient_model.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "../../autograd/grad_mode.h"
#include "../../nn/functional.h"
#include "../../nn/serialize.h"
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

float GradientRecommender::offset() const {
  if (!binary()) return mean_;
  const double p = std::clamp(static_cast<double>(mean_), 1e-6, 1.0 - 1e-6);
  return static_cast<float>(std::log(p / (1.0 - p)));
}

Tensor GradientRecommender::loss(const Tensor& users, const Tensor& items, const Tensor& ratings) {
  Tensor l;
  if (binary()) {
    Tensor labels = ge(ratings, Scalar(kBinaryPositiveMin)).to(kFloat32);
    l = nn::functional::binary_cross_entropy_with_logits(forward(users, items), labels);
  } else {
    Tensor err = sub(forward(users, items), ratings);
    l = mean(mul(err, err));
  }
  Tensor reg = regularization(users, items);
  return reg.defined() ? add(l, reg) : l;
}

void GradientRecommender::prepare(const Dataset& ds, const TrainConfig& cfg_in, float mean) {
  Defaults d = defaults();
  cfg_ = cfg_in;
  TG_CHECK(cfg_.task == "rating" || cfg_.task == "binary", type_name(), ": unknown task '",
           cfg_.task, "' (expected rating or binary)");
  TG_CHECK(cfg_.task == "rating" || supports_binary(), type_name(),
           ": the binary task (rating >= 4) is supported by wide_deep only");
  if (cfg_.behaviour.empty()) cfg_.behaviour = d.behaviour;
  TG_CHECK(cfg_.behaviour == "none" || supports_behaviour(), type_name(),
           ": behaviour vectors (", cfg_.behaviour, ") are supported by wide_deep only");
  if (cfg_.epochs <= 0) cfg_.epochs = d.epochs;
  if (cfg_.dim <= 0) cfg_.dim = d.dim;
  if (cfg_.lr <= 0) cfg_.lr = d.lr;
  if (cfg_.batch <= 0) cfg_.batch = d.batch;
  if (cfg_.optimizer.empty()) cfg_.optimizer = d.optimizer;
  if (cfg_.weight_decay < 0) cfg_.weight_decay = d.weight_decay;
  if (cfg_.patience <= 0) cfg_.patience = d.patience;
  if (cfg_.lr_decay <= 0) cfg_.lr_decay = d.lr_decay;
  if (cfg_.refit < 0) cfg_.refit = d.refit ? 1 : 0;
  TG_CHECK(cfg_.lr_decay <= 1.0, type_name(), ": lr_decay must be in (0, 1], got ", cfg_.lr_decay);
  num_users_ = ds.num_users();
  num_items_ = ds.num_items();
  min_rating_ = ds.min_rating;
  max_rating_ = ds.max_rating;
  mean_ = mean;
  manual_seed(cfg_.seed);
  build(ds, Interactions(), cfg_);
  if (!cfg_.device.is_cpu()) to(cfg_.device);  // parameters and buffers; build moved the rest
}

double GradientRecommender::train_step(Batch& b,
                                       std::vector<std::unique_ptr<optim::Optimizer>>& optimizers,
                                       const char* phase, int64_t epoch) {
  if (!cfg_.device.is_cpu()) {
    b.users = b.users.to(cfg_.device);
    b.items = b.items.to(cfg_.device);
    b.ratings = b.ratings.to(cfg_.device);
  }
  Tensor l = loss(b.users, b.items, b.ratings);
  for (auto& opt : optimizers) opt->zero_grad();
  l.backward();
  for (auto& opt : optimizers) opt->step();
  const double lv = l.item<double>();
  TG_CHECK(std::isfinite(lv), type_name(), ": the training loss became ", lv, " in ", phase, " ",
           epoch, " (lower the learning rate)");
  return lv;
}

double GradientRecommender::validation_loss(const Interactions& valid) {
  return binary() ? evaluate_binary(*this, valid).logloss : evaluate_ratings(*this, valid).rmse;
}

namespace {

// Everything fit() needs to continue after a crash, besides weights and optimizer state.
struct LoopState {
  int64_t epoch = 1;          // the epoch in progress (or the next one when batch == 0)
  int64_t batch = 0;          // batches of `epoch` already trained
  uint64_t epoch_offset = 0;  // the batch generator's offset when `epoch` started
  uint64_t dropout_offset = 0;
  int64_t stale = 0;
  double running = 0;
  double elapsed = 0;  // training seconds spent before this process
  bool finished = false;
  FitReport rep;
};

std::string exact(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", v);  // hex float: round-trips exactly
  return buf;
}

std::string join(const std::vector<double>& v) {
  std::string out;
  for (double x : v) {
    if (!out.empty()) out.push_back(',');
    out.append(exact(x));
  }
  return out;
}

// The settings that must match for a checkpoint to be resumed.
std::string config_key(const std::string& model, const TrainConfig& c, size_t train_rows) {
  std::ostringstream os;
  os << model << " task=" << c.task << " behaviour=" << c.behaviour << " dim=" << c.dim
     << " epochs=" << c.epochs << " lr=" << exact(c.lr) << " batch=" << c.batch
     << " optimizer=" << c.optimizer << " wd=" << exact(c.weight_decay) << " seed=" << c.seed
     << " patience=" << c.patience << " lr_decay=" << exact(c.lr_decay) << " refit=" << c.refit
     << " train_rows=" << train_rows;
  return os.str();
}

const std::string& meta(const nn::Metadata& md, const std::string& key, const std::string& path) {
  auto it = md.find(key);
  TG_CHECK(it != md.end(), path, ": not a tapegrad-recsys training checkpoint (metadata '", key,
           "' is missing)");
  return it->second;
}

double to_double(const std::string& s, const std::string& key, const std::string& path) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  TG_CHECK(!s.empty() && end && *end == '\0' && errno == 0, path, ": checkpoint metadata '", key,
           "' is not a number: '", s, "'");
  return v;
}

uint64_t to_u64(const std::string& s, const std::string& key, const std::string& path) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  TG_CHECK(!s.empty() && end && *end == '\0' && errno == 0, path, ": checkpoint metadata '", key,
           "' is not an unsigned integer: '", s, "'");
  return static_cast<uint64_t>(v);
}

// The rows of `data` with users in a random order drawn from gen (each user's ratings
// consecutive, in their original order): the epoch order of Defaults::user_batches.
Interactions user_order(const Interactions& data, const std::vector<std::vector<int64_t>>& rows_of,
                        Generator* gen) {
  Tensor perm = randperm(static_cast<int64_t>(rows_of.size()), gen);
  std::vector<int64_t> order = perm.to_vector<int64_t>(), rows;
  rows.reserve(data.size());
  for (int64_t u : order)
    for (int64_t r : rows_of[static_cast<size_t>(u)]) rows.push_back(r);
  return data.subset(rows);
}

std::vector<std::vector<int64_t>> rows_by_user(const Interactions& data, int64_t users) {
  std::vector<std::vector<int64_t>> out(static_cast<size_t>(users));
  for (size_t k = 0; k < data.size(); ++k) out[static_cast<size_t>(data.user[k])].push_back(static_cast<int64_t>(k));
  return out;
}

}  // namespace

FitReport GradientRecommender::fit(const Dataset& ds, const Split& split, const TrainConfig& cfg_in,
                                   const ProgressFn& progress) {
  auto start = std::chrono::steady_clock::now();
  TG_CHECK(split.train.size() > 0, type_name(), ".fit: the training set is empty");
  TG_CHECK(split.valid.size() > 0, type_name(), ".fit: the validation set is empty");
  TG_CHECK(cfg_in.checkpoint_every >= 0, type_name(), ".fit: checkpoint_every must be >= 0, got ",
           cfg_in.checkpoint_every);
  TG_CHECK(!cfg_in.resume || !cfg_in.checkpoint.empty(), type_name(),
           ".fit: resume needs a checkpoint path");
  double sum = 0;
  for (float r : split.train.rating)
    sum += cfg_in.task == "binary" ? (r >= kBinaryPositiveMin ? 1.0 : 0.0) : r;
  prepare(ds, cfg_in, static_cast<float>(sum / static_cast<double>(split.train.size())));
  heldout_valid_.clear();
  nn::StateDict initial;  // the starting weights, for a refit
  if (cfg_.refit) {
    NoGradGuard no_grad;
    for (auto& [k, t] : state_dict()) initial.emplace(k, t.clone());
  }
  auto optimizers = make_optimizers(cfg_);
  auto decay_lr = [&](std::vector<std::unique_ptr<optim::Optimizer>>& opts) {
    if (cfg_.lr_decay == 1.0) return;
    for (auto& opt : opts)
      for (auto& g : opt->param_groups()) g.set_lr(g.lr() * cfg_.lr_decay);
  };
  std::string key = config_key(type_name(), cfg_, split.train.size());
  for (const auto& [k, v] : option_values()) key += " " + k + "=" + v;
  const std::string& ck = cfg_.checkpoint;

  Generator gen(cfg_.seed);
  LoopState st;
  st.rep.valid_metric = binary() ? "logloss" : "rmse";
  st.rep.best_valid_rmse = INFINITY;
  nn::StateDict best;
  if (cfg_.resume && std::filesystem::exists(ck)) {
    nn::Checkpoint c = nn::load_checkpoint(ck);
    const nn::Metadata& md = c.metadata;
    TG_CHECK(meta(md, "format", ck) == "tapegrad-recsys-checkpoint", ck,
             ": not a tapegrad-recsys training checkpoint");
    TG_CHECK(meta(md, "config", ck) == key, ck, ": the checkpoint was written with other settings (",
             meta(md, "config", ck), ") than this run (", key, "); remove it or match them");
    adapt_to_state(c.parts["model"]);
    load_state_dict(c.parts["model"], /*strict=*/true);
    for (size_t k = 0; k < optimizers.size(); ++k)
      optimizers[k]->load_state_dict(c.parts["optimizer" + std::to_string(k)]);
    best = c.parts["best"];
    st.epoch = static_cast<int64_t>(to_u64(meta(md, "epoch", ck), "epoch", ck));
    st.batch = static_cast<int64_t>(to_u64(meta(md, "batch", ck), "batch", ck));
    st.epoch_offset = to_u64(meta(md, "epoch_offset", ck), "epoch_offset", ck);
    st.dropout_offset = to_u64(meta(md, "dropout_offset", ck), "dropout_offset", ck);
    st.stale = static_cast<int64_t>(to_u64(meta(md, "stale", ck), "stale", ck));
    st.running = to_double(meta(md, "running", ck), "running", ck);
    st.elapsed = to_double(meta(md, "elapsed", ck), "elapsed", ck);
    st.finished = meta(md, "finished", ck) == "1";
    st.rep.best_valid_rmse = to_double(meta(md, "best_valid", ck), "best_valid", ck);
    st.rep.best_epoch = static_cast<int64_t>(to_u64(meta(md, "best_epoch", ck), "best_epoch", ck));
    st.rep.epochs_run = static_cast<int64_t>(to_u64(meta(md, "epochs_run", ck), "epochs_run", ck));
    std::stringstream curve(meta(md, "valid_curve", ck));
    for (std::string v; std::getline(curve, v, ',');)
      st.rep.valid_curve.push_back(to_double(v, "valid_curve", ck));
    TG_CHECK(st.epoch >= 1 && st.batch >= 0, ck, ": checkpoint position is invalid");
    gen.set_offset(st.epoch_offset);
    default_generator().set_offset(st.dropout_offset);
    st.rep.resumed = true;
  } else {
    fit_features(ds, split.train);
    st.epoch_offset = gen.offset();
  }
  use_training_data(split.train);

  // Epoch orders: shuffled ratings, or (Defaults::user_batches) shuffled whole users, drawn from
  // `gen` at the start of the epoch either way (so a resumed epoch redraws the same order).
  const bool by_user = defaults().user_batches;
  const auto train_rows = by_user ? rows_by_user(split.train, num_users_) : std::vector<std::vector<int64_t>>();
  Interactions epoch_data;
  std::unique_ptr<BatchIterator> it_user;
  auto start_user_epoch = [&] {
    it_user.reset();
    epoch_data = user_order(split.train, train_rows, &gen);
    it_user = std::make_unique<BatchIterator>(epoch_data, cfg_.batch, /*shuffle=*/false, nullptr);
  };
  if (by_user) start_user_epoch();
  BatchIterator it_rand(split.train, cfg_.batch, /*shuffle=*/true, &gen);
  auto next_batch = [&](Batch& b) { return by_user ? it_user->next(b) : it_rand.next(b); };
  auto save = [&] {
    if (ck.empty()) return;
    nn::CheckpointParts parts;
    parts["model"] = state_dict();
    parts["best"] = best;
    for (size_t k = 0; k < optimizers.size(); ++k)
      parts["optimizer" + std::to_string(k)] = optimizers[k]->state_dict();
    double secs = st.elapsed + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    nn::Metadata md = {{"format", "tapegrad-recsys-checkpoint"},
                       {"config", key},
                       {"epoch", std::to_string(st.epoch)},
                       {"batch", std::to_string(st.batch)},
                       {"epoch_offset", std::to_string(st.epoch_offset)},
                       {"dropout_offset", std::to_string(default_generator().offset())},
                       {"stale", std::to_string(st.stale)},
                       {"running", exact(st.running)},
                       {"elapsed", exact(secs)},
                       {"finished", st.finished ? "1" : "0"},
                       {"best_valid", exact(st.rep.best_valid_rmse)},
                       {"best_epoch", std::to_string(st.rep.best_epoch)},
                       {"epochs_run", std::to_string(st.rep.epochs_run)},
                       {"valid_curve", join(st.rep.valid_curve)}};
    nn::save_checkpoint(ck, parts, md);
  };

  const int64_t total = by_user ? it_user->num_batches() : it_rand.num_batches();
  for (; !st.finished && st.epoch <= cfg_.epochs; ++st.epoch) {
    train();
    Batch b;
    // A resumed epoch redraws the same permutation (the generator is back at the epoch's offset)
    // and skips the batches already trained.
    for (int64_t k = 0; k < st.batch; ++k) next_batch(b);
    while (next_batch(b)) {
      const double lv = train_step(b, optimizers, "epoch", st.epoch);
      st.running = st.batch == 0 ? lv : 0.98 * st.running + 0.02 * lv;
      ++st.batch;
      if (progress && (st.batch % 16 == 0 || st.batch == total))
        progress(st.epoch, cfg_.epochs, st.batch, total, st.running);
      if (cfg_.checkpoint_every > 0 && st.batch % cfg_.checkpoint_every == 0 && st.batch < total) save();
    }
    double v = validation_loss(split.valid);
    st.rep.valid_curve.push_back(v);
    st.rep.epochs_run = st.epoch;
    st.batch = 0;
    st.epoch_offset = gen.offset();
    if (by_user) start_user_epoch();
    if (v < st.rep.best_valid_rmse - 1e-5) {
      st.rep.best_valid_rmse = v;
      st.rep.best_epoch = st.epoch;
      best.clear();
      NoGradGuard no_grad;
      for (auto& [k, t] : state_dict()) best.emplace(k, t.clone());
      st.stale = 0;
    } else if (++st.stale >= cfg_.patience) {
      st.finished = true;
    }
    if (st.epoch == cfg_.epochs) st.finished = true;
    decay_lr(optimizers);
    if (!ck.empty()) {  // after every epoch whenever there is a checkpoint file (TrainConfig)
      const int64_t e = st.epoch;
      if (!st.finished) ++st.epoch;  // the checkpoint names the next epoch to run
      save();
      st.epoch = e;
    }
  }
  if (!best.empty()) load_state_dict(best);
  if (cfg_.refit && st.rep.best_epoch > 0) {
    // Held-out predictions of the early-stopped model first (for a blend), then the same
    // initial weights trained on train + validation for the chosen number of epochs.
    eval();
    heldout_valid_ = predict(from_vector(split.valid.user), from_vector(split.valid.item)).to_vector<float>();
    Interactions full = split.train;
    full.append(split.valid);
    adapt_to_state(initial);
    load_state_dict(initial);
    manual_seed(cfg_.seed);
    fit_features(ds, full);
    use_training_data(full);
    auto opts = make_optimizers(cfg_);
    Generator gen_full(cfg_.seed);
    BatchIterator full_it(full, cfg_.batch, /*shuffle=*/true, &gen_full);
    const auto full_rows = by_user ? rows_by_user(full, num_users_) : std::vector<std::vector<int64_t>>();
    for (int64_t e = 1; e <= st.rep.best_epoch; ++e) {
      train();
      Interactions full_epoch;
      std::unique_ptr<BatchIterator> full_user;
      if (by_user) {
        full_epoch = user_order(full, full_rows, &gen_full);
        full_user = std::make_unique<BatchIterator>(full_epoch, cfg_.batch, false, nullptr);
      }
      Batch b;
      while (by_user ? full_user->next(b) : full_it.next(b)) train_step(b, opts, "refit epoch", e);
      decay_lr(opts);
    }
  }
  eval();
  st.rep.train_seconds =
      st.elapsed + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return st.rep;
}

Tensor GradientRecommender::predict(const Tensor& users, const Tensor& items) {
  NoGradGuard no_grad;
  // Unknown ids are mapped to row 0 and their contribution is replaced by the global mean (the
  // positive rate for the binary task); the models' forward only sees valid rows.
  Tensor known = logical_and(lt(users, Scalar(num_users_)), lt(items, Scalar(num_items_)));
  known = logical_and(known, logical_and(ge(users, Scalar(0)), ge(items, Scalar(0))));
  Tensor u = where(known, users, zeros_like(users)), i = where(known, items, zeros_like(items));
  // The model may live on a GPU (TrainConfig::device); ids and results stay on the host.
  Tensor out = forward(u.to(cfg_.device), i.to(cfg_.device)).cpu();
  if (binary()) return where(known, sigmoid(out), full({}, mean_, kFloat32));
  return clamp(where(known, out, full({}, mean_, kFloat32)), min_rating_, max_rating_);
}

}  // namespace tg::recsys
