// recsys/models/blend.h — a linear blend of already-trained rating models (the Netflix-prize
// practice): r(u, i) = w0 + sum_k w_k r_k(u, i), with the weights fitted by ridge least squares on
// the split's validation part — never on the test part. `compare` reports it as the "blend" row.
// Members refitted on train + validation (TrainConfig::refit) contribute the predictions they made
// on the validation part before the refit (Recommender::heldout_valid_predictions).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "recommender.h"

namespace tg::recsys {

class Blend : public Recommender {
 public:
  // `members` must be trained (fit) rating models of the same dataset.
  Blend(std::vector<std::shared_ptr<Recommender>> members, std::vector<std::string> names);

  // Not loadable: a blend is rebuilt from its members.
  void prepare(const Dataset& ds, const TrainConfig& cfg, float mean) override;
  TrainConfig resolved_config() const override { return cfg_; }
  // Fits the weights on split.valid (the members are not retrained). FitReport: epochs 0,
  // best_valid_rmse = the blend's validation RMSE.
  FitReport fit(const Dataset& ds, const Split& split, const TrainConfig& cfg,
                const ProgressFn& progress) override;
  Tensor predict(const Tensor& users, const Tensor& items) override;

  // w0 followed by one weight per member (after fit).
  const std::vector<double>& weights() const { return weights_; }
  std::string extra_repr() const override;

 private:
  std::vector<std::shared_ptr<Recommender>> members_;
  std::vector<std::string> names_;
  std::vector<double> weights_;
  TrainConfig cfg_;
  float min_rating_ = 1, max_rating_ = 5;
};

}  // namespace tg::recsys
