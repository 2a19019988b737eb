// recsys/models/ranking.cpp — the shared implicit-feedback training loop (fresh negatives each
// epoch, early stopping on validation HR@10), scoring helpers and leave-last-out evaluation.
#include "ranking.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "../../autograd/grad_mode.h"
#include "../../tensor/generator.h"
#include "../../tensor/ops.h"
#include "../data/negative_sampler.h"
#include "../metrics/metrics.h"
#include "ranking_models.h"

namespace tg::recsys {
namespace {

constexpr int64_t kPairChunk = 1 << 17;  // pairs per forward call when scoring without grad

// The NCF protocol's metrics for held-out items of `users` among fixed negatives.
RankingMetrics sampled_eval(RankingRecommender& model, const std::vector<int64_t>& users,
                            const std::vector<int64_t>& held_out,
                            const std::vector<std::vector<int64_t>>& negatives, int64_t k) {
  std::vector<int64_t> pu, pi;
  for (size_t r = 0; r < users.size(); ++r) {
    pu.push_back(users[r]);
    pi.push_back(held_out[r]);
    for (int64_t j : negatives[r]) {
      pu.push_back(users[r]);
      pi.push_back(j);
    }
  }
  std::vector<float> s = model.score_pairs(pu, pi);
  std::vector<float> pos;
  std::vector<std::vector<float>> neg;
  size_t at = 0;
  for (size_t r = 0; r < users.size(); ++r) {
    pos.push_back(s[at++]);
    neg.emplace_back(s.begin() + static_cast<std::ptrdiff_t>(at),
                     s.begin() + static_cast<std::ptrdiff_t>(at + negatives[r].size()));
    at += negatives[r].size();
  }
  return sampled_metrics(pos, neg, k);
}

}  // namespace

void RankingRecommender::setup(const Dataset& ds, const Interactions& train, const TrainConfig& in) {
  RankingDefaults d = defaults();
  cfg_ = in;
  if (cfg_.epochs <= 0) cfg_.epochs = d.epochs;
  if (cfg_.dim <= 0) cfg_.dim = d.dim;
  if (cfg_.lr <= 0) cfg_.lr = d.lr;
  if (cfg_.batch <= 0) cfg_.batch = d.batch;
  if (cfg_.weight_decay < 0) cfg_.weight_decay = d.weight_decay;
  if (cfg_.patience <= 0) cfg_.patience = d.patience;
  negatives_ = negatives_override_ > 0 ? negatives_override_ : d.negatives;
  num_users_ = ds.num_users();
  num_items_ = ds.num_items();
  std::vector<float> counts(static_cast<size_t>(num_items_), 0.0f);
  for (int64_t i : train.item) counts[static_cast<size_t>(i)] += 1.0f;
  log_popularity_.resize(counts.size());
  for (size_t i = 0; i < counts.size(); ++i) log_popularity_[i] = std::log1p(counts[i]);
  manual_seed(cfg_.seed);
  build(ds, train, cfg_);
}

void RankingRecommender::prepare(const Dataset& ds, const TrainConfig& cfg, float) {
  setup(ds, ds.ratings, cfg);
}

FitReport RankingRecommender::fit(const Dataset& ds, const Split& split, const TrainConfig& cfg_in,
                                  const ProgressFn& progress) {
  auto start = std::chrono::steady_clock::now();
  TG_CHECK(split.train.size() > 0, type_name(), ".fit: the training set is empty");
  TG_CHECK(split.valid.size() > 0, type_name(), ".fit: the validation set is empty");
  setup(ds, split.train, cfg_in);
  auto optimizers = make_optimizers(cfg_);

  // Positives: the distinct (user, item) pairs of train.
  std::vector<std::pair<int64_t, int64_t>> pairs;
  for (size_t r = 0; r < split.train.size(); ++r) pairs.emplace_back(split.train.user[r], split.train.item[r]);
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  const int64_t n = static_cast<int64_t>(pairs.size());
  NegativeSampler train_sampler(num_items_, split.train);

  // Validation: each valid row ranked among 99 negatives that are no known positive of the user.
  NegativeSampler all_sampler(num_items_, ds.ratings);
  std::vector<int64_t> vu(split.valid.user), vi(split.valid.item);
  auto vneg = all_sampler.eval_negatives(vu, 99, cfg_.seed ^ 0x5A11DA7EULL);

  Generator gen(cfg_.seed);
  FitReport rep;
  rep.best_valid_rmse = NAN;
  best_valid_hr_ = -1;
  nn::StateDict best;
  int stale = 0;
  const int64_t batches = (n + cfg_.batch - 1) / cfg_.batch;
  for (int64_t epoch = 1; epoch <= cfg_.epochs; ++epoch) {
    train();
    std::vector<int64_t> perm = randperm(n, &gen).to_vector<int64_t>();
    double running = 0;
    for (int64_t b = 0; b < batches; ++b) {
      const int64_t s = b * cfg_.batch, e = std::min(n, s + cfg_.batch);
      std::vector<int64_t> u, p;
      for (int64_t r = s; r < e; ++r) {
        u.push_back(pairs[static_cast<size_t>(perm[static_cast<size_t>(r)])].first);
        p.push_back(pairs[static_cast<size_t>(perm[static_cast<size_t>(r)])].second);
      }
      Tensor users = from_vector(u);
      Tensor neg = train_sampler.sample(users, negatives_, &gen);
      Tensor l = loss(users, from_vector(p), neg);
      for (auto& opt : optimizers) opt->zero_grad();
      l.backward();
      for (auto& opt : optimizers) opt->step();
      double lv = l.item<double>();
      TG_CHECK(std::isfinite(lv), type_name(), ": the training loss became ", lv, " in epoch ",
               epoch, " (lower the learning rate)");
      running = b == 0 ? lv : 0.98 * running + 0.02 * lv;
      if (progress && ((b + 1) % 16 == 0 || b + 1 == batches)) progress(epoch, cfg_.epochs, b + 1, batches, running);
    }
    double hr = sampled_eval(*this, vu, vi, vneg, 10).hr;
    rep.valid_curve.push_back(hr);
    rep.epochs_run = epoch;
    if (hr > best_valid_hr_ + 1e-9) {
      best_valid_hr_ = hr;
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
  rep.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return rep;
}

Tensor RankingRecommender::predict(const Tensor& users, const Tensor& items) {
  NoGradGuard no_grad;
  std::vector<int64_t> u = users.contiguous().cpu().to(kInt64).to_vector<int64_t>();
  std::vector<int64_t> it = items.contiguous().cpu().to(kInt64).to_vector<int64_t>();
  TG_CHECK(u.size() == it.size(), type_name(), ".predict: users and items differ in length (",
           u.size(), " vs ", it.size(), ")");
  std::vector<float> out(u.size(), 0.0f);
  std::vector<int64_t> ku, ki;
  std::vector<size_t> at;
  for (size_t r = 0; r < u.size(); ++r) {
    const bool item_known = it[r] >= 0 && it[r] < num_items_;
    if (item_known && u[r] >= 0 && u[r] < num_users_) {
      ku.push_back(u[r]);
      ki.push_back(it[r]);
      at.push_back(r);
    } else if (item_known) {
      out[r] = log_popularity_[static_cast<size_t>(it[r])];
    }
  }
  std::vector<float> s = score_pairs(ku, ki);
  for (size_t k = 0; k < at.size(); ++k) out[at[k]] = s[k];
  return from_vector(out, users.sizes());
}

Tensor RankingRecommender::score_matrix(const Tensor& users) {
  NoGradGuard no_grad;
  std::vector<int64_t> u = users.contiguous().to_vector<int64_t>(), pu, pi;
  for (int64_t user : u)
    for (int64_t i = 0; i < num_items_; ++i) {
      pu.push_back(user);
      pi.push_back(i);
    }
  return from_vector(score_pairs(pu, pi), DimVec{static_cast<int64_t>(u.size()), num_items_});
}

Tensor RankingRecommender::score_all(int64_t user, int64_t num_items) {
  NoGradGuard no_grad;
  std::vector<float> out(static_cast<size_t>(num_items), 0.0f);
  const int64_t known = std::min(num_items, num_items_);
  if (user >= 0 && user < num_users_) {
    Tensor row = score_matrix(from_vector<int64_t>({user})).contiguous();
    std::copy(row.data<float>(), row.data<float>() + known, out.begin());
  } else {
    std::copy(log_popularity_.begin(), log_popularity_.begin() + known, out.begin());
  }
  return from_vector(out);
}

std::vector<float> RankingRecommender::score_pairs(const std::vector<int64_t>& users,
                                                   const std::vector<int64_t>& items) {
  NoGradGuard no_grad;
  const bool was_training = is_training();
  eval();
  std::vector<float> out;
  out.reserve(users.size());
  for (size_t s = 0; s < users.size(); s += kPairChunk) {
    size_t e = std::min(users.size(), s + static_cast<size_t>(kPairChunk));
    std::vector<int64_t> u(users.begin() + static_cast<std::ptrdiff_t>(s), users.begin() + static_cast<std::ptrdiff_t>(e));
    std::vector<int64_t> i(items.begin() + static_cast<std::ptrdiff_t>(s), items.begin() + static_cast<std::ptrdiff_t>(e));
    Tensor sc = forward(from_vector(u), from_vector(i)).to(kFloat32).contiguous();
    out.insert(out.end(), sc.data<float>(), sc.data<float>() + sc.numel());
  }
  train(was_training);
  return out;
}

RankingReport evaluate_ranking_loo(RankingRecommender& model, const Dataset& ds, const Split& split,
                                   int64_t k, uint64_t seed) {
  NoGradGuard no_grad;
  auto start = std::chrono::steady_clock::now();
  const bool was_training = model.is_training();
  model.eval();
  const int64_t n_items = ds.num_items();
  std::vector<std::vector<int64_t>> seen(static_cast<size_t>(ds.num_users()));
  for (const Interactions* part : {&split.train, &split.valid})
    for (size_t r = 0; r < part->size(); ++r) seen[static_cast<size_t>(part->user[r])].push_back(part->item[r]);
  for (auto& s : seen) std::sort(s.begin(), s.end());
  const std::vector<int64_t>& users = split.test.user;
  NegativeSampler sampler(n_items, ds.ratings);
  auto negatives = sampler.eval_negatives(users, 99, seed);

  std::vector<float> pos;
  std::vector<std::vector<float>> neg_sampled, neg_full;
  const size_t chunk = 128;
  for (size_t s = 0; s < users.size(); s += chunk) {
    size_t e = std::min(users.size(), s + chunk);
    std::vector<int64_t> cu(users.begin() + static_cast<std::ptrdiff_t>(s), users.begin() + static_cast<std::ptrdiff_t>(e));
    Tensor m = model.score_matrix(from_vector(cu)).to(kFloat32).contiguous();
    const float* sc = m.data<float>();
    for (size_t r = s; r < e; ++r) {
      const float* row = sc + static_cast<int64_t>(r - s) * n_items;
      const int64_t target = split.test.item[r];
      pos.push_back(row[target]);
      std::vector<float> ns;
      for (int64_t j : negatives[r]) ns.push_back(row[j]);
      neg_sampled.push_back(std::move(ns));
      const auto& sn = seen[static_cast<size_t>(users[r])];
      std::vector<float> nf;
      nf.reserve(static_cast<size_t>(n_items));
      for (int64_t j = 0; j < n_items; ++j)
        if (j != target && !std::binary_search(sn.begin(), sn.end(), j)) nf.push_back(row[j]);
      neg_full.push_back(std::move(nf));
    }
  }
  model.train(was_training);
  RankingMetrics ms = sampled_metrics(pos, neg_sampled, k), mf = sampled_metrics(pos, neg_full, k);
  RankingReport rep;
  rep.hr_sampled = ms.hr;
  rep.ndcg_sampled = ms.ndcg;
  rep.hr_full = mf.hr;
  rep.ndcg_full = mf.ndcg;
  rep.users = ms.users;
  rep.eval_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return rep;
}

const std::vector<std::string>& ranking_model_names() {
  static const std::vector<std::string> names = {"popularity", "bpr", "neumf", "dmf"};
  return names;
}

std::shared_ptr<RankingRecommender> make_ranking_model(const std::string& name) {
  if (name == "popularity") return std::make_shared<Popularity>();
  if (name == "bpr") return std::make_shared<BprMf>();
  if (name == "neumf") return std::make_shared<NeuMf>();
  if (name == "dmf") return std::make_shared<Dmf>();
  std::string known;
  for (const auto& n : ranking_model_names()) known += (known.empty() ? "" : ", ") + n;
  TG_THROW("unknown model '", name, "' (expected one of: ", known, ")");
}

}  // namespace tg::recsys
