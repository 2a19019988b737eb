// recsys/models/mf.cpp — biased MF. See mf.h.
#include "mf.h"

#include <sstream>
#include <utility>

#include "../../nn/init.h"
#include "../../tensor/generator.h"
#include "../../tensor/ops.h"

namespace tg::recsys {

Defaults BiasedMf::defaults() const {
  Defaults d;
  // Chosen on a 5% validation part of ML-100K u1.base (grid over dim 32/64/128, lr 1e-3..4e-3,
  // weight decay 0.08..0.3; see docs/results.md), never on u1.test.
  d.epochs = 60;
  d.dim = 32;
  d.lr = 0.003;
  d.batch = 256;
  d.optimizer = "sparse_adam";
  d.weight_decay = 0.08;  // L2 per touched row, averaged over the batch (see regularization)
  return d;
}

std::string BiasedMf::extra_repr() const {
  std::ostringstream os;
  os << "users=" << num_users_ << ", items=" << num_items_ << ", dim=" << cfg_.dim;
  return os.str();
}

void BiasedMf::build(const Dataset&, const Interactions&, const TrainConfig& cfg) {
  Generator gen(cfg.seed);
  user_factors_ = register_parameter("user_factors", mul(randn({num_users_, cfg.dim}, &gen), 0.05));
  item_factors_ = register_parameter("item_factors", mul(randn({num_items_, cfg.dim}, &gen), 0.05));
  user_bias_ = register_parameter("user_bias", zeros({num_users_, 1}));
  item_bias_ = register_parameter("item_bias", zeros({num_items_, 1}));
  register_buffer("global_mean", full({}, mean_));
}

namespace {

// The embedding rows of the last forward() on this thread, read by regularization() in the same
// loss() call. Thread-local rather than members: forward() must not write the model, so that many
// threads can predict() with one shared model at once (tests/test_concurrency.cpp).
struct BatchRows {
  const BiasedMf* model = nullptr;
  Tensor pu, qi, bu, bi;
};
thread_local BatchRows t_rows;

}  // namespace

Tensor BiasedMf::forward(const Tensor& users, const Tensor& items) {
  Tensor pu = embedding(user_factors_, users, /*sparse_grad=*/true);
  Tensor qi = embedding(item_factors_, items, true);
  Tensor bu = embedding(user_bias_, users, true).squeeze(1);
  Tensor bi = embedding(item_bias_, items, true).squeeze(1);
  t_rows = {this, pu, qi, bu, bi};
  return add(add(add(sum(mul(pu, qi), {1}), bu), bi), Scalar(mean_));
}

Tensor BiasedMf::regularization(const Tensor&, const Tensor&) {
  TG_INTERNAL_ASSERT(t_rows.model == this, "regularization() without forward()");
  const BatchRows rows = std::exchange(t_rows, BatchRows{});
  const Tensor &pu = rows.pu, &qi = rows.qi, &bu = rows.bu, &bi = rows.bi;
  // lambda * mean over the batch of (|p_u|^2 + |q_i|^2 + b_u^2 + b_i^2): only touched rows.
  Tensor r = add(add(sum(mul(pu, pu), {1}), sum(mul(qi, qi), {1})), add(mul(bu, bu), mul(bi, bi)));
  return mul(mean(r), cfg_.weight_decay);
}

std::vector<std::unique_ptr<optim::Optimizer>> BiasedMf::make_optimizers(const TrainConfig& cfg) {
  std::vector<std::unique_ptr<optim::Optimizer>> v;
  v.push_back(make_optimizer(cfg.optimizer, parameters(), cfg.lr));
  return v;
}

}  // namespace tg::recsys
