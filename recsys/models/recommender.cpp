// recsys/models/recommender.cpp — shared parts of every model: batched scoring, top-k with
// seen items hidden, item similarity, rating evaluation.
#include "recommender.h"

#include <algorithm>
#include <cmath>

#include "../../autograd/grad_mode.h"
#include "../../tensor/ops.h"
#include "../metrics/metrics.h"

namespace tg::recsys {

std::map<std::string, std::string> Recommender::option_values() {
  ModelOptions o(type_name());
  describe_options(o);
  return o.values();
}

bool Recommender::has_option(const std::string& name) {
  ModelOptions o(type_name());
  describe_options(o);
  return o.has(name);
}

void Recommender::set_option(const std::string& name, const std::string& value) {
  ModelOptions o(type_name());
  describe_options(o);
  o.set(name, value);
}

Tensor Recommender::score_all(int64_t user, int64_t num_items) {
  NoGradGuard no_grad;
  Tensor items = arange(0, num_items, 1, kInt64);
  Tensor users = full({num_items}, user, kInt64);
  return predict(users, items).to(kFloat32).contiguous();
}

std::vector<Scored> Recommender::recommend(int64_t user, int64_t k, const Dataset& ds,
                                           const Interactions& seen) {
  NoGradGuard no_grad;
  const int64_t n = ds.num_items();
  TG_CHECK(k > 0, "recommend: k must be positive, got ", k);
  Tensor scores = score_all(user, n);
  std::vector<int64_t> exclude;
  for (size_t r = 0; r < seen.size(); ++r)
    if (seen.user[r] == user) exclude.push_back(seen.item[r]);
  std::sort(exclude.begin(), exclude.end());
  std::vector<int64_t> top = top_k(scores.data<float>(), n, k, exclude);
  std::vector<Scored> out;
  const float* s = scores.data<float>();
  for (int64_t i : top) out.push_back({i, s[i]});
  return out;
}

std::vector<Scored> Recommender::similar(int64_t item, int64_t k) {
  NoGradGuard no_grad;
  Tensor v = item_vectors();
  TG_CHECK(v.defined(), type_name(), ": this model has no item vectors for similar()");
  TG_CHECK(item >= 0 && item < v.size(0), "similar: item ", item, " is out of range [0, ",
           v.size(0), ")");
  Tensor unit = div(v, add(norm(v, 2.0, {1}, true), 1e-12));
  Tensor sims = matmul(unit, unit.select(0, item)).contiguous();
  std::vector<int64_t> top = top_k(sims.data<float>(), sims.numel(), k, {item});
  std::vector<Scored> out;
  for (int64_t i : top) out.push_back({i, sims.data<float>()[i]});
  return out;
}

RatingEval evaluate_ratings(Recommender& model, const Interactions& data, int64_t batch) {
  NoGradGuard no_grad;
  const bool was_training = model.is_training();
  if (was_training) model.eval();  // an eval-mode model is not written: threads may share it
  RatingEval ev;
  double se = 0, ae = 0;
  for (size_t s = 0; s < data.size(); s += static_cast<size_t>(batch)) {
    size_t e = std::min(data.size(), s + static_cast<size_t>(batch));
    std::vector<int64_t> u(data.user.begin() + s, data.user.begin() + e);
    std::vector<int64_t> i(data.item.begin() + s, data.item.begin() + e);
    Tensor pred = model.predict(from_vector(u), from_vector(i)).to(kFloat32).contiguous();
    const float* p = pred.data<float>();
    for (size_t r = s; r < e; ++r) {
      double d = static_cast<double>(p[r - s]) - data.rating[r];
      se += d * d;
      ae += std::fabs(d);
    }
  }
  ev.count = static_cast<int64_t>(data.size());
  if (ev.count) {
    ev.rmse = std::sqrt(se / static_cast<double>(ev.count));
    ev.mae = ae / static_cast<double>(ev.count);
  }
  if (was_training) model.train();
  return ev;
}

BinaryEval evaluate_binary(Recommender& model, const Interactions& data, int64_t batch) {
  NoGradGuard no_grad;
  const bool was_training = model.is_training();
  if (was_training) model.eval();  // an eval-mode model is not written: threads may share it
  std::vector<float> probs, labels;
  probs.reserve(data.size());
  labels.reserve(data.size());
  for (size_t s = 0; s < data.size(); s += static_cast<size_t>(batch)) {
    size_t e = std::min(data.size(), s + static_cast<size_t>(batch));
    std::vector<int64_t> u(data.user.begin() + s, data.user.begin() + e);
    std::vector<int64_t> i(data.item.begin() + s, data.item.begin() + e);
    Tensor pred = model.predict(from_vector(u), from_vector(i)).to(kFloat32).contiguous();
    probs.insert(probs.end(), pred.data<float>(), pred.data<float>() + (e - s));
  }
  if (was_training) model.train();
  BinaryEval ev;
  ev.count = static_cast<int64_t>(data.size());
  if (ev.count == 0) return ev;
  int64_t correct = 0, pos = 0;
  for (size_t r = 0; r < data.size(); ++r) {
    const bool y = data.rating[r] >= kBinaryPositiveMin;
    labels.push_back(y ? 1.0f : 0.0f);
    pos += y;
    correct += (probs[r] >= 0.5f) == y;
  }
  ev.auc = auc(probs, labels);
  ev.logloss = logloss(probs, labels);
  ev.accuracy = static_cast<double>(correct) / static_cast<double>(ev.count);
  ev.positive_rate = static_cast<double>(pos) / static_cast<double>(ev.count);
  return ev;
}

RankEval evaluate_ranking(Recommender& model, const Dataset& ds, const Interactions& train,
                          const Interactions& test, int64_t k, float relevant_min) {
  NoGradGuard no_grad;
  const bool was_training = model.is_training();
  if (was_training) model.eval();  // an eval-mode model is not written: threads may share it
  const int64_t n_users = ds.num_users(), n_items = ds.num_items();
  std::vector<std::vector<int64_t>> seen(static_cast<size_t>(n_users)), relevant(static_cast<size_t>(n_users));
  for (size_t r = 0; r < train.size(); ++r) seen[static_cast<size_t>(train.user[r])].push_back(train.item[r]);
  for (size_t r = 0; r < test.size(); ++r)
    if (test.rating[r] >= relevant_min) relevant[static_cast<size_t>(test.user[r])].push_back(test.item[r]);
  std::vector<std::vector<int64_t>> ranked, rel;
  for (int64_t u = 0; u < n_users; ++u) {
    if (relevant[static_cast<size_t>(u)].empty()) continue;
    auto& s = seen[static_cast<size_t>(u)];
    std::sort(s.begin(), s.end());
    Tensor scores = model.score_all(u, n_items);
    ranked.push_back(top_k(scores.data<float>(), n_items, k, s));
    rel.push_back(relevant[static_cast<size_t>(u)]);
  }
  if (was_training) model.train();
  RankingMetrics m = ranking_metrics(ranked, rel, k);
  RankEval out;
  out.hr = m.hr;
  out.ndcg = m.ndcg;
  out.precision = m.precision;
  out.recall = m.recall;
  out.users = m.users;
  return out;
}

}  // namespace tg::recsys
