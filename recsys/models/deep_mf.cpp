// recsys/models/deep_mf.cpp — see deep_mf.h.
#include "deep_mf.h"

#include <sstream>
#include <utility>

#include "../../nn/activation.h"
#include "../../nn/dropout.h"
#include "../../nn/linear.h"
#include "../../tensor/generator.h"
#include "../../tensor/ops.h"

namespace tg::recsys {

Defaults DeepMf::defaults() const {
  Defaults d;
  // Chosen on the 5% validation part of ML-100K u1.base (dim 16/32/64 x lr 5e-4/1e-3/2e-3 x
  // weight decay 0.1/0.2/0.4; docs/results.md).
  d.epochs = 60;
  d.dim = 16;
  d.lr = 5e-4;
  d.batch = 256;
  d.optimizer = "adam";     // tower; embeddings always use SparseAdam
  d.weight_decay = 0.4;    // L2 on touched embedding rows
  d.refit = true;          // train + validation for the chosen epochs (as mf)
  return d;
}

std::string DeepMf::extra_repr() const {
  std::ostringstream os;
  os << "users=" << num_users_ << ", items=" << num_items_ << ", dim=" << cfg_.dim
     << ", tower=[" << (opt_.product ? 3 : 2) * cfg_.dim << ", " << opt_.hidden << ", "
     << opt_.hidden / 2 << ", 1]";
  return os.str();
}

void DeepMf::build(const Dataset&, const Interactions&, const TrainConfig& cfg) {
  Generator gen(cfg.seed);
  const int64_t d = cfg.dim;
  user_emb_ = register_parameter("user_emb", mul(randn({num_users_, d}, &gen), opt_.init_std));
  item_emb_ = register_parameter("item_emb", mul(randn({num_items_, d}, &gen), opt_.init_std));
  const int64_t in = (opt_.product ? 3 : 2) * d, h = opt_.hidden;
  user_bias_ = register_parameter("user_bias", zeros({num_users_, 1}));
  item_bias_ = register_parameter("item_bias", zeros({num_items_, 1}));
  tower_ = register_module("tower", std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::UnaryModule>>{
      std::make_shared<nn::Linear>(in, h, true, &gen), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Dropout>(opt_.dropout), std::make_shared<nn::Linear>(h, h / 2, true, &gen),
      std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(h / 2, 1, true, &gen)}));
  register_buffer("global_mean", full({}, mean_));
}

namespace {

// The embedding rows of the last forward() on this thread, read by regularization() in the same
// loss() call. Thread-local rather than members: forward() must not write the model, so that many
// threads can predict() with one shared model at once (tests/test_concurrency.cpp).
struct BatchRows {
  const DeepMf* model = nullptr;
  Tensor pu, qi, bu, bi;
};
thread_local BatchRows t_rows;

}  // namespace

Tensor DeepMf::forward(const Tensor& users, const Tensor& items) {
  Tensor pu = embedding(user_emb_, users, /*sparse_grad=*/true);
  Tensor qi = embedding(item_emb_, items, true);
  Tensor bu = embedding(user_bias_, users, true).squeeze(1);
  Tensor bi = embedding(item_bias_, items, true).squeeze(1);
  t_rows = {this, pu, qi, bu, bi};
  Tensor in = opt_.product ? cat({pu, qi, mul(pu, qi)}, 1) : cat({pu, qi}, 1);
  Tensor interaction = tower_->forward(in).squeeze(1);
  return add(add(add(interaction, bu), bi), Scalar(mean_));
}

Tensor DeepMf::regularization(const Tensor&, const Tensor&) {
  TG_INTERNAL_ASSERT(t_rows.model == this, "regularization() without forward()");
  const BatchRows rows = std::exchange(t_rows, BatchRows{});
  const Tensor &pu = rows.pu, &qi = rows.qi, &bu = rows.bu, &bi = rows.bi;
  Tensor r = mul(mean(add(sum(mul(pu, pu), {1}), sum(mul(qi, qi), {1}))), cfg_.weight_decay);
  if (opt_.bias_reg == 0.0) return r;
  return add(r, mul(mean(add(mul(bu, bu), mul(bi, bi))), cfg_.weight_decay * opt_.bias_reg));
}

std::vector<std::unique_ptr<optim::Optimizer>> DeepMf::make_optimizers(const TrainConfig& cfg) {
  std::vector<std::unique_ptr<optim::Optimizer>> v;
  v.push_back(make_optimizer("sparse_adam", {user_emb_, item_emb_, user_bias_, item_bias_}, cfg.lr));
  v.push_back(make_optimizer(cfg.optimizer, tower_->parameters(), cfg.lr));
  return v;
}

}  // namespace tg::recsys
