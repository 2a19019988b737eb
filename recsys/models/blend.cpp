// recsys/models/blend.cpp — see blend.h.
#include "blend.h"

#include <chrono>
#include <cmath>
#include <sstream>

#include "../../autograd/grad_mode.h"
#include "../../tensor/ops.h"

namespace tg::recsys {

Blend::Blend(std::vector<std::shared_ptr<Recommender>> members, std::vector<std::string> names)
    : Recommender("Blend"), members_(std::move(members)), names_(std::move(names)) {
  TG_CHECK(!members_.empty(), "Blend: needs at least one member model");
  TG_CHECK(names_.size() == members_.size(), "Blend: ", members_.size(), " members but ",
           names_.size(), " names");
  for (const auto& m : members_) TG_CHECK(m != nullptr, "Blend: a member model is null");
}

void Blend::prepare(const Dataset&, const TrainConfig&, float) {
  TG_THROW("Blend.prepare: a blend cannot be built from a file; fit it over trained members");
}

std::string Blend::extra_repr() const {
  std::ostringstream os;
  os << "bias=" << (weights_.empty() ? 0.0 : weights_[0]);
  for (size_t k = 0; k < names_.size(); ++k)
    os << ", " << names_[k] << "=" << (weights_.size() > k + 1 ? weights_[k + 1] : 0.0);
  return os.str();
}

FitReport Blend::fit(const Dataset& ds, const Split& split, const TrainConfig& cfg,
                     const ProgressFn&) {
  auto start = std::chrono::steady_clock::now();
  NoGradGuard no_grad;
  const Interactions& v = split.valid;
  TG_CHECK(v.size() > members_.size() + 1, "Blend.fit: the validation part has ", v.size(),
           " ratings, too few to fit ", members_.size() + 1, " weights");
  cfg_ = cfg;
  min_rating_ = ds.min_rating;
  max_rating_ = ds.max_rating;
  const int64_t n = static_cast<int64_t>(v.size()), m = static_cast<int64_t>(members_.size()) + 1;
  // X = [1, r_1, ..., r_K] over the validation ratings; ridge normal equations in float64.
  std::vector<Tensor> cols = {ones({n}, kFloat64)};
  Tensor users = from_vector(v.user), items = from_vector(v.item);
  // A member refitted on train + validation (TrainConfig::refit) has seen these ratings: its
  // held-out predictions, made before the refit, are used instead.
  for (auto& member : members_) {
    const std::vector<float>& held = member->heldout_valid_predictions();
    cols.push_back(held.size() == v.size() ? from_vector(held).to(kFloat64)
                                           : member->predict(users, items).to(kFloat64));
  }
  Tensor x = stack(cols, 1);                                   // [n, m]
  Tensor y = from_vector(v.rating).to(kFloat64).unsqueeze(1);  // [n, 1]
  Tensor xtx = matmul(x.t(), x), xty = matmul(x.t(), y);
  // A small ridge keeps the solve well-posed when members are nearly collinear; the intercept
  // is not penalised.
  std::vector<double> ridge(static_cast<size_t>(m * m), 0.0);
  for (int64_t k = 1; k < m; ++k) ridge[static_cast<size_t>(k * m + k)] = 1e-3 * static_cast<double>(n);
  Tensor w = cholesky_solve_spd(add(xtx, from_vector(ridge, DimVec{m, m})), xty).squeeze(1);
  weights_ = w.to_vector<double>();
  FitReport rep;
  {  // validation RMSE of the blend on the held-out member predictions
    Tensor pred = clamp(matmul(x, w.unsqueeze(1)).squeeze(1), min_rating_, max_rating_);
    Tensor err = sub(pred, y.squeeze(1));
    rep.best_valid_rmse = std::sqrt(mean(mul(err, err)).item<double>());
  }
  rep.valid_curve = {rep.best_valid_rmse};
  rep.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return rep;
}

Tensor Blend::predict(const Tensor& users, const Tensor& items) {
  NoGradGuard no_grad;
  TG_CHECK(!weights_.empty(), "Blend.predict: call fit first");
  Tensor out = full({users.numel()}, weights_[0], kFloat64);
  for (size_t k = 0; k < members_.size(); ++k)
    out = add(out, mul(members_[k]->predict(users, items).to(kFloat64), weights_[k + 1]));
  return clamp(out, min_rating_, max_rating_).to(kFloat32);
}

}  // namespace tg::recsys
