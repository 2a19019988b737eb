// recsys/models/mf.cpp — biased MF. See mf.h.
#include "mf.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <utility>

#include "../../nn/init.h"
#include "../../tensor/generator.h"
#include "../../tensor/ops.h"

namespace tg::recsys {

Defaults BiasedMf::defaults() const {
  Defaults d;
  // Chosen on the 5% validation part of ML-100K u1.base, never on u1.test (the grids are in
  // docs/results.md), together with Options' init_std 0.01, bias_reg 0.1 and reg_alpha 0.4. The
  // refit on train + validation was chosen on a nested split (docs/results.md).
  d.epochs = 60;
  d.dim = 64;
  d.lr = 0.001;
  d.batch = 256;
  d.optimizer = "sparse_adam";
  d.weight_decay = 0.6;  // L2 per touched row x count^-0.4, averaged over the batch (regularization)
  d.refit = true;
  return d;
}

std::string BiasedMf::extra_repr() const {
  std::ostringstream os;
  os << "users=" << num_users_ << ", items=" << num_items_ << ", dim=" << cfg_.dim;
  return os.str();
}

void BiasedMf::build(const Dataset&, const Interactions&, const TrainConfig& cfg) {
  Generator gen(cfg.seed);
  user_factors_ = register_parameter("user_factors", mul(randn({num_users_, cfg.dim}, &gen), opt_.init_std));
  item_factors_ = register_parameter("item_factors", mul(randn({num_items_, cfg.dim}, &gen), opt_.init_std));
  user_bias_ = register_parameter("user_bias", zeros({num_users_, 1}));
  item_bias_ = register_parameter("item_bias", zeros({num_items_, 1}));
  register_buffer("global_mean", full({}, mean_));
}

void BiasedMf::describe_options(ModelOptions& o) {
  o.add("init_std", opt_.init_std, 0.0, 10.0);
  o.add("bias_reg", opt_.bias_reg, 0.0, 1e6);
  o.add("reg_alpha", opt_.reg_alpha, 0.0, 4.0);
}

void BiasedMf::use_training_data(const Interactions& train) {
  user_weight_ = Tensor();
  item_weight_ = Tensor();
  if (opt_.reg_alpha == 0.0) return;
  std::vector<float> cu(static_cast<size_t>(num_users_), 0.0f), ci(static_cast<size_t>(num_items_), 0.0f);
  for (size_t k = 0; k < train.size(); ++k) {
    cu[static_cast<size_t>(train.user[k])] += 1.0f;
    ci[static_cast<size_t>(train.item[k])] += 1.0f;
  }
  for (float& c : cu) c = std::pow(std::max(c, 1.0f), static_cast<float>(-opt_.reg_alpha));
  for (float& c : ci) c = std::pow(std::max(c, 1.0f), static_cast<float>(-opt_.reg_alpha));
  user_weight_ = from_vector(cu).to(user_factors_.device());
  item_weight_ = from_vector(ci).to(user_factors_.device());
}

namespace {

// The embedding rows of the last forward() on this thread, read by regularization() in the same
// loss() call. Thread-local rather than members: forward() must not write the model, so that many
// threads can predict() with one shared model at once (tests/test_concurrency.cpp).
struct BatchRows {
  const BiasedMf* model = nullptr;
  Tensor pu, qi, bu, bi, users, items;
};
thread_local BatchRows t_rows;

}  // namespace

Tensor BiasedMf::forward(const Tensor& users, const Tensor& items) {
  Tensor pu = embedding(user_factors_, users, /*sparse_grad=*/true);
  Tensor qi = embedding(item_factors_, items, true);
  Tensor bu = embedding(user_bias_, users, true).squeeze(1);
  Tensor bi = embedding(item_bias_, items, true).squeeze(1);
  t_rows = {this, pu, qi, bu, bi, users, items};
  return add(add(add(sum(mul(pu, qi), {1}), bu), bi), Scalar(mean_));
}

Tensor BiasedMf::regularization(const Tensor&, const Tensor&) {
  TG_INTERNAL_ASSERT(t_rows.model == this, "regularization() without forward()");
  const BatchRows rows = std::exchange(t_rows, BatchRows{});
  const Tensor &pu = rows.pu, &qi = rows.qi, &bu = rows.bu, &bi = rows.bi;
  // lambda * mean over the batch of (|p_u|^2 + |q_i|^2 + bias_reg (b_u^2 + b_i^2)): only touched
  // rows; with reg_alpha > 0 the user terms are weighted by count_u^-alpha, the item terms by
  // count_i^-alpha.
  if (!user_weight_.defined()) {
    Tensor f = add(sum(mul(pu, pu), {1}), sum(mul(qi, qi), {1}));
    Tensor b = add(mul(bu, bu), mul(bi, bi));
    return add(mul(mean(f), cfg_.weight_decay), mul(mean(b), cfg_.weight_decay * opt_.bias_reg));
  }
  Tensor uu = add(sum(mul(pu, pu), {1}), mul(mul(bu, bu), opt_.bias_reg));
  Tensor ii = add(sum(mul(qi, qi), {1}), mul(mul(bi, bi), opt_.bias_reg));
  uu = mul(uu, index_select(user_weight_, 0, rows.users));
  ii = mul(ii, index_select(item_weight_, 0, rows.items));
  return mul(mean(add(uu, ii)), cfg_.weight_decay);
}

std::vector<std::unique_ptr<optim::Optimizer>> BiasedMf::make_optimizers(const TrainConfig& cfg) {
  std::vector<std::unique_ptr<optim::Optimizer>> v;
  v.push_back(make_optimizer(cfg.optimizer, parameters(), cfg.lr));
  return v;
}

}  // namespace tg::recsys
