// recsys/models/ranking_neumf.cpp — NeuMF. See ranking_models.h.
#include "../../nn/activation.h"
#include "../../nn/functional.h"
#include "../../tensor/generator.h"
#include "../../tensor/ops.h"
#include "gradient_model.h"
#include "ranking_models.h"

namespace tg::recsys {

RankingDefaults NeuMf::defaults() const {
  // dim and lr chosen on the validation item of leave-latest-one-out ML-100K (sampled HR@10), grid
  // over dim 16/32/64 x lr 1e-3/3e-3 (docs/results.md).
  RankingDefaults d;
  d.epochs = 60;
  d.dim = 64;
  d.lr = 1e-3;
  d.batch = 256;
  d.weight_decay = 0.0;
  d.negatives = 4;
  return d;
}

void NeuMf::build(const Dataset&, const Interactions&, const TrainConfig& cfg) {
  Generator gen(cfg.seed);
  const int64_t d = cfg.dim, h = std::max<int64_t>(1, d / 2);
  gmf_user_ = register_parameter("gmf_user", mul(randn({num_users_, d}, &gen), 0.01));
  gmf_item_ = register_parameter("gmf_item", mul(randn({num_items_, d}, &gen), 0.01));
  mlp_user_ = register_parameter("mlp_user", mul(randn({num_users_, d}, &gen), 0.01));
  mlp_item_ = register_parameter("mlp_item", mul(randn({num_items_, d}, &gen), 0.01));
  tower_ = register_module("tower", std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::UnaryModule>>{
      std::make_shared<nn::Linear>(2 * d, d, true, &gen), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(d, h, true, &gen), std::make_shared<nn::ReLU>()}));
  out_ = register_module("out", std::make_shared<nn::Linear>(d + h, 1, true, &gen));
}

Tensor NeuMf::forward(const Tensor& users, const Tensor& items) {
  Tensor gu = embedding(gmf_user_, users, /*sparse_grad=*/true), gi = embedding(gmf_item_, items, true);
  Tensor mu = embedding(mlp_user_, users, true), mi = embedding(mlp_item_, items, true);
  if (cfg_.weight_decay > 0 && is_training())
    touched_l2_ = add(add(sum(mul(gu, gu)), sum(mul(gi, gi))), add(sum(mul(mu, mu)), sum(mul(mi, mi))));
  Tensor joint = cat({mul(gu, gi), tower_->forward(cat({mu, mi}, 1))}, 1);
  return out_->forward(joint).squeeze(1);
}

Tensor NeuMf::loss(const Tensor& users, const Tensor& pos, const Tensor& neg) {
  const int64_t b = users.numel(), n = neg.numel() / b;
  // One forward over [positives; negatives]: users repeated n times for the negatives.
  Tensor all_users = cat({users, users.unsqueeze(1).expand({b, n}).reshape({-1})}, 0);
  Tensor all_items = cat({pos, neg}, 0);
  Tensor labels = cat({ones({b}), zeros({b * n})}, 0).to(gmf_user_.dtype());
  Tensor l = nn::functional::binary_cross_entropy_with_logits(forward(all_users, all_items), labels);
  if (cfg_.weight_decay > 0 && is_training())
    l = add(l, mul(touched_l2_, cfg_.weight_decay / static_cast<double>(b * (n + 1))));
  return l;
}

std::vector<std::unique_ptr<optim::Optimizer>> NeuMf::make_optimizers(const TrainConfig& cfg) {
  std::vector<std::unique_ptr<optim::Optimizer>> v;
  v.push_back(make_optimizer("sparse_adam", {gmf_user_, gmf_item_, mlp_user_, mlp_item_}, cfg.lr));
  std::vector<Tensor> dense = tower_->parameters();
  for (const Tensor& p : out_->parameters()) dense.push_back(p);
  v.push_back(make_optimizer("adam", dense, cfg.lr));
  return v;
}

}  // namespace tg::recsys
