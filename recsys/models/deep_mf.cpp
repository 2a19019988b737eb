// recsys/models/deep_mf.cpp — see deep_mf.h.
#include "deep_mf.h"

#include <sstream>
#include <utility>

#include "../../autograd/grad_mode.h"
#include "../../nn/activation.h"
#include "../../nn/dropout.h"
#include "../../nn/linear.h"
#include "../../tensor/generator.h"
#include "../../tensor/ops.h"
#include "../data/split.h"
#include "mf.h"

namespace tg::recsys {

Defaults DeepMf::defaults() const {
  Defaults d;
  // Chosen on the 5% validation part of ML-100K u1.base, never on u1.test (docs/results.md), with
  // Options' pretrain and dot on: the tower starts from a biased MF (dim 64, its own defaults) and
  // fine-tunes slowly. Without pretraining the best setting was dim 16, lr 5e-4, wd 0.4.
  d.epochs = 60;
  d.dim = 64;
  d.lr = 1e-4;
  d.batch = 256;
  d.optimizer = "adam";  // tower; embeddings always use SparseAdam
  d.weight_decay = 0.2;  // L2 on touched embedding rows
  d.refit = true;        // train + validation for the chosen epochs (as mf)
  return d;
}

std::string DeepMf::extra_repr() const {
  std::ostringstream os;
  os << "users=" << num_users_ << ", items=" << num_items_ << ", dim=" << cfg_.dim << ", tower=["
     << (opt_.product ? 3 : 2) * cfg_.dim << ", " << opt_.hidden << ", " << opt_.hidden / 2
     << ", 1]" << (opt_.dot ? ", dot" : "") << (opt_.pretrain ? ", pretrain" : "");
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
  tower_ = register_module(
      "tower",
      std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::UnaryModule>>{
          std::make_shared<nn::Linear>(in, h, true, &gen), std::make_shared<nn::ReLU>(),
          std::make_shared<nn::Dropout>(opt_.dropout),
          std::make_shared<nn::Linear>(h, h / 2, true, &gen), std::make_shared<nn::ReLU>(),
          std::make_shared<nn::Linear>(h / 2, 1, true, &gen)}));
  if (opt_.dot) {
    // Start as the plain dot-product model: the tower adds 0 until its last layer learns.
    auto last = std::dynamic_pointer_cast<nn::Linear>((*tower_)[tower_->size() - 1]);
    NoGradGuard no_grad;
    last->weight.zero_();
    last->bias.zero_();
  }
  register_buffer("global_mean", full({}, mean_));
}

void DeepMf::describe_options(ModelOptions& o) {
  o.add("product", opt_.product);
  o.add("hidden", opt_.hidden, 2, int64_t{1} << 16);
  o.add("dropout", opt_.dropout, 0.0, 0.99);
  o.add("init_std", opt_.init_std, 0.0, 10.0);
  o.add("bias_reg", opt_.bias_reg, 0.0, 1e6);
  o.add("pretrain", opt_.pretrain);
  o.add("dot", opt_.dot);
}

void DeepMf::fit_features(const Dataset& ds, const Interactions& train) {
  if (!opt_.pretrain) return;
  // The MF sees `train` only (the caller's validation part stays held out): its early stopping
  // uses a nested 5% part of `train`, then its refit trains on all of `train`. On data so small
  // that 5% of every user rounds to nothing, a third of each user's ratings is held out instead.
  Split nested;
  nested.train = train;
  carve_validation(nested, 0.05, cfg_.seed + 1);
  if (nested.valid.size() == 0) carve_validation(nested, 0.34, cfg_.seed + 1);
  TG_CHECK(nested.valid.size() > 0, type_name(), ": too few ratings to pretrain the embeddings");
  BiasedMf mf;
  TrainConfig c;
  c.dim = cfg_.dim;
  c.seed = cfg_.seed;
  c.quiet = true;
  c.device = cfg_.device;
  mf.fit(ds, nested, c, nullptr);
  const nn::StateDict w = mf.state_dict();
  NoGradGuard no_grad;
  user_emb_.copy_(w.at("user_factors"));
  item_emb_.copy_(w.at("item_factors"));
  user_bias_.copy_(w.at("user_bias"));
  // The MF's global mean is that of its nested training part; the difference to this model's
  // mean goes into the item biases, so that the predictions start equal.
  item_bias_.copy_(add(w.at("item_bias"), sub(w.at("global_mean"), Scalar(mean_))));
  // The MF's fit reseeded the default generator (dropout masks): reseed so that the tower's
  // training does not depend on how many draws the MF made.
  manual_seed(cfg_.seed);
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
  if (opt_.dot) interaction = add(interaction, sum(mul(pu, qi), {1}));
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
  v.push_back(
      make_optimizer("sparse_adam", {user_emb_, item_emb_, user_bias_, item_bias_}, cfg.lr));
  v.push_back(make_optimizer(cfg.optimizer, tower_->parameters(), cfg.lr));
  return v;
}

}  // namespace tg::recsys
