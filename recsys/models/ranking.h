// recsys/models/ranking.h — implicit-feedback ranking models and their leave-last-out evaluation.
//
// Every training interaction counts as a positive (the rating value is ignored); negatives are drawn
// afresh each epoch from the items the user has not interacted with in train (NegativeSampler).
// Training early-stops on the validation HR@10 of the NCF protocol: each user's validation item
// ranked among 99 fixed sampled negatives. For these models predict() returns scores (higher is
// better), not ratings.
//
// Models: Popularity (ranking_popularity.cpp), BprMf (ranking_bpr.cpp), NeuMf (ranking_neumf.cpp),
// Dmf (ranking_dmf.cpp); declared in ranking_models.h.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "../../optim/optimizer.h"
#include "../data/split.h"
#include "recommender.h"

namespace tg::recsys {

// Tuned defaults of a ranking model (TrainConfig fields left at -1 / "" use these).
struct RankingDefaults {
  int64_t epochs = 30;
  int64_t dim = 32;
  double lr = 1e-3;
  int64_t batch = 256;
  double weight_decay = 0.0;
  int64_t negatives = 1;  // sampled negatives per positive and epoch
  int patience = 8;       // the validation HR@10 is noisier than an RMSE: wait longer
};

class RankingRecommender : public Recommender {
 public:
  using Recommender::Recommender;
  // Builds the parameters treating every rating of ds as a positive (for loading / tests);
  // fit builds them from split.train only. `mean` is unused.
  void prepare(const Dataset& ds, const TrainConfig& cfg, float mean) override;
  TrainConfig resolved_config() const override { return cfg_; }
  // FitReport: valid_curve holds the validation HR@10 (99 sampled negatives) after each epoch;
  // best_valid_rmse is NaN (there are no ratings to predict).
  FitReport fit(const Dataset& ds, const Split& split, const TrainConfig& cfg,
                const ProgressFn& progress) override;
  // Scores (not ratings) for user/item pairs; a pair with an unknown id gets the item's training
  // popularity log(1 + count) (0 for an unknown item) — never a crash.
  Tensor predict(const Tensor& users, const Tensor& items) override;
  Tensor score_all(int64_t user, int64_t num_items) override;
  // Scores of every item for each of users (int64 [U], known ids) -> float32 [U, num_items], no
  // grad. Default: forward over all pairs in chunks; models with separable scores override it.
  virtual Tensor score_matrix(const Tensor& users);
  // Training loss of one batch: users [B], positive items [B], negatives [B * n] (user b's at
  // [b * n, (b + 1) * n)). Public so that tests can gradcheck it.
  virtual Tensor loss(const Tensor& users, const Tensor& pos, const Tensor& neg) = 0;
  // Scores of (users[k], items[k]) pairs (known ids) through forward in chunks, no grad, eval mode.
  std::vector<float> score_pairs(const std::vector<int64_t>& users, const std::vector<int64_t>& items);

  // Overrides the default number of negatives per positive (<= 0: the model's default).
  void set_negatives(int64_t n) { negatives_override_ = n; }
  int64_t negatives() const { return negatives_; }
  double best_valid_hr() const { return best_valid_hr_; }

 protected:
  virtual RankingDefaults defaults() const = 0;
  // Creates the parameters for this dataset and resolved config; `train` holds the positives.
  virtual void build(const Dataset& ds, const Interactions& train, const TrainConfig& cfg) = 0;
  // Differentiable scores for known ids (float32 [B]).
  virtual Tensor forward(const Tensor& users, const Tensor& items) = 0;
  virtual std::vector<std::unique_ptr<optim::Optimizer>> make_optimizers(const TrainConfig& cfg) = 0;
  // Resolves cfg_ against defaults(), records the item counts and calls build.
  void setup(const Dataset& ds, const Interactions& train, const TrainConfig& cfg);

  TrainConfig cfg_;
  int64_t num_users_ = 0, num_items_ = 0;
  int64_t negatives_ = 1, negatives_override_ = 0;
  double best_valid_hr_ = 0;
  std::vector<float> log_popularity_;  // log(1 + training count) per item: the fallback score
};

// HR@k / NDCG@k of leave-last-out's test item, both ranked among 99 fixed sampled negatives (NCF
// protocol: NegativeSampler over all of ds's ratings, eval_negatives with `seed`) and among every
// item the user has not interacted with in split.train / split.valid (full ranking). Ties count
// against the model in both (rank = 1 + #{candidates scoring >= the test item}).
struct RankingReport {
  double hr_sampled = 0, ndcg_sampled = 0, hr_full = 0, ndcg_full = 0;
  int64_t users = 0;
  double eval_seconds = 0;
};
RankingReport evaluate_ranking_loo(RankingRecommender& model, const Dataset& ds, const Split& split,
                                   int64_t k = 10, uint64_t seed = 2024);

// The ranking model names the CLI accepts ("popularity", "bpr", "neumf", "dmf"), and a factory.
const std::vector<std::string>& ranking_model_names();
std::shared_ptr<RankingRecommender> make_ranking_model(const std::string& name);

}  // namespace tg::recsys
