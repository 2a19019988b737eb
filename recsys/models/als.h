// recsys/models/als.h — alternating least squares with weighted-lambda regularisation
// (Zhou et al. 2008), the classical matrix-factorisation baseline.
//
// rating ~ mu + b_u + b_i + p_u . q_i. With the item side fixed, each user's [p_u, b_u] is a ridge
// regression on the items they rated (features [q_i, 1], targets r - mu - b_i), solved in closed
// form; then the roles swap. The penalty is lambda * n_u (n_u = the user's rating count), which
// is what makes ALS-WR robust to popular users and items. All systems of one sweep are built in
// parallel (OpenMP through the kernels) and solved by one batched Cholesky call.
#pragma once

#include "recommender.h"

namespace tg::recsys {

class Als : public Recommender {
 public:
  Als(int64_t num_users, int64_t num_items);
  void prepare(const Dataset& ds, const TrainConfig& cfg, float mean) override;
  TrainConfig resolved_config() const override { return cfg_; }
  FitReport fit(const Dataset& ds, const Split& split, const TrainConfig& cfg,
                const ProgressFn& progress) override;
  Tensor predict(const Tensor& users, const Tensor& items) override;
  Tensor item_vectors() override { return item_factors_; }
  std::string extra_repr() const override;

  // Defaults chosen on a validation part of ML-100K u1.base (see docs/results.md).
  static constexpr int64_t kDefaultDim = 32;
  static constexpr double kDefaultLambda = 0.12;
  static constexpr int64_t kDefaultSweeps = 15;

  // One ALS sweep on `train` after prepare(): every user's [p_u, b_u] solved with the items fixed,
  // then every item's with the users fixed (lambda = the resolved config's weight_decay). fit()
  // runs sweeps until the validation RMSE stops improving; public for callers that drive the
  // sweeps themselves (the training benchmark, bench/bench_recsys_train.cpp).
  void sweep(const Interactions& train);

 private:
  void solve_side(const Interactions& data, bool users_side, double lambda);

  TrainConfig cfg_;
  int64_t num_users_, num_items_, dim_ = kDefaultDim;
  float mean_ = 0, min_rating_ = 1, max_rating_ = 5;
  Tensor user_factors_, item_factors_;  // [U, D+1], [I, D+1]: last column is the bias
};

}  // namespace tg::recsys
