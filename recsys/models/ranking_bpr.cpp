// recsys/models/ranking_bpr.cpp — BPR-MF. See ranking_models.h.
#include "../../autograd/grad_mode.h"
#include "gradient_model.h"
#include "../../nn/functional.h"
#include "../../tensor/generator.h"
#include "../../tensor/ops.h"
#include "ranking_models.h"

namespace tg::recsys {

RankingDefaults BprMf::defaults() const {
  // Chosen on the validation item of leave-latest-one-out ML-100K (sampled HR@10), grid over
  // dim 64/128/256, lr 1e-3/2e-3/5e-3, weight decay 1e-4/1e-3/1e-2, 1/4/8 negatives (24 settings,
  // docs/results.md). The top settings differ by less than the validation noise (+-0.015).
  RankingDefaults d;
  d.epochs = 80;
  d.dim = 256;
  d.lr = 1e-3;
  d.batch = 256;
  d.weight_decay = 1e-3;
  d.negatives = 8;
  return d;
}

void BprMf::build(const Dataset&, const Interactions&, const TrainConfig& cfg) {
  Generator gen(cfg.seed);
  user_emb_ = register_parameter("user_emb", mul(randn({num_users_, cfg.dim}, &gen), 0.1));
  item_emb_ = register_parameter("item_emb", mul(randn({num_items_, cfg.dim}, &gen), 0.1));
  item_bias_ = register_parameter("item_bias", zeros({num_items_, 1}));
}

Tensor BprMf::forward(const Tensor& users, const Tensor& items) {
  Tensor pu = embedding(user_emb_, users, /*sparse_grad=*/true);
  Tensor qi = embedding(item_emb_, items, true);
  return add(sum(mul(pu, qi), {1}), embedding(item_bias_, items, true).squeeze(1));
}

Tensor BprMf::loss(const Tensor& users, const Tensor& pos, const Tensor& neg) {
  const int64_t b = users.numel(), n = neg.numel() / b;
  Tensor pu = embedding(user_emb_, users, true);  // [B, d]
  Tensor qi = embedding(item_emb_, pos, true);    // [B, d]
  Tensor qj = embedding(item_emb_, neg, true).reshape({b, n, -1});  // [B, n, d]
  Tensor bi = embedding(item_bias_, pos, true);   // [B, 1]
  Tensor bj = embedding(item_bias_, neg, true).reshape({b, n});
  Tensor s_pos = add(sum(mul(pu, qi), {1}, true), bi);                       // [B, 1]
  Tensor s_neg = add(sum(mul(pu.unsqueeze(1), qj), {2}), bj);                // [B, n]
  Tensor l = nn::functional::bpr_loss(s_pos.expand({b, n}), s_neg);
  Tensor reg = add(add(sum(mul(pu, pu)), sum(mul(qi, qi))), add(sum(mul(qj, qj)), sum(mul(bi, bi))));
  reg = add(reg, sum(mul(bj, bj)));
  return add(l, mul(reg, cfg_.weight_decay / static_cast<double>(b)));
}

Tensor BprMf::score_matrix(const Tensor& users) {
  NoGradGuard no_grad;
  Tensor pu = embedding(user_emb_, users);
  return add(matmul(pu, item_emb_.t()), item_bias_.t()).to(kFloat32).contiguous();
}

std::vector<std::unique_ptr<optim::Optimizer>> BprMf::make_optimizers(const TrainConfig& cfg) {
  std::vector<std::unique_ptr<optim::Optimizer>> v;
  v.push_back(make_optimizer("sparse_adam", parameters(), cfg.lr));
  return v;
}

}  // namespace tg::recsys
