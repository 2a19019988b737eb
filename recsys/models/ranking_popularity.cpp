// recsys/models/ranking_popularity.cpp — the most-popular baseline. See ranking_models.h.
#include <chrono>
#include <cmath>

#include "../../tensor/ops.h"
#include "ranking_models.h"

namespace tg::recsys {

void Popularity::build(const Dataset&, const Interactions&, const TrainConfig&) {
  scores_ = register_buffer("scores", from_vector(log_popularity_, DimVec{num_items_, 1}));
}

Tensor Popularity::forward(const Tensor&, const Tensor& items) {
  return embedding(scores_, items).squeeze(1);
}

Tensor Popularity::loss(const Tensor&, const Tensor&, const Tensor&) {
  TG_THROW("Popularity.loss: the popularity baseline has no parameters to train");
}

FitReport Popularity::fit(const Dataset& ds, const Split& split, const TrainConfig& cfg,
                          const ProgressFn&) {
  auto start = std::chrono::steady_clock::now();
  TG_CHECK(split.train.size() > 0, type_name(), ".fit: the training set is empty");
  setup(ds, split.train, cfg);
  eval();
  FitReport rep;
  rep.best_valid_rmse = NAN;
  rep.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return rep;
}

}  // namespace tg::recsys
