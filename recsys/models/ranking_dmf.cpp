// recsys/models/ranking_dmf.cpp — DMF two-tower model. See ranking_models.h.
#include <algorithm>
#include <cmath>

#include "../../autograd/grad_mode.h"
#include "../../nn/activation.h"
#include "../../nn/functional.h"
#include "../../tensor/generator.h"
#include "../../tensor/ops.h"
#include "gradient_model.h"
#include "ranking_models.h"

namespace tg::recsys {

RankingDefaults Dmf::defaults() const {
  // lr chosen on the validation item of leave-latest-one-out ML-100K (sampled HR@10 0.678 at 1e-3
  // against 0.671 at 3e-3; docs/results.md).
  RankingDefaults d;
  d.epochs = 60;
  d.dim = 64;
  d.lr = 1e-3;
  d.batch = 2048;
  d.negatives = 4;
  return d;
}

void Dmf::build(const Dataset&, const Interactions& train, const TrainConfig& cfg) {
  Generator gen(cfg.seed);
  const int64_t d = cfg.dim, h = 2 * cfg.dim;
  std::vector<double> user_count(static_cast<size_t>(num_users_), 0), item_count(static_cast<size_t>(num_items_), 0);
  std::vector<std::pair<int64_t, int64_t>> pairs;
  for (size_t r = 0; r < train.size(); ++r) pairs.emplace_back(train.user[r], train.item[r]);
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  for (auto [u, i] : pairs) {
    user_count[static_cast<size_t>(u)] += 1;
    item_count[static_cast<size_t>(i)] += 1;
  }
  std::vector<float> ur(static_cast<size_t>(num_users_ * num_items_), 0.0f), ir(ur.size(), 0.0f);
  for (auto [u, i] : pairs) {
    ur[static_cast<size_t>(u * num_items_ + i)] = static_cast<float>(1 / std::sqrt(user_count[static_cast<size_t>(u)]));
    ir[static_cast<size_t>(i * num_users_ + u)] = static_cast<float>(1 / std::sqrt(item_count[static_cast<size_t>(i)]));
  }
  user_rows_ = register_buffer("user_rows", from_vector(ur, DimVec{num_users_, num_items_}));
  item_rows_ = register_buffer("item_rows", from_vector(ir, DimVec{num_items_, num_users_}));
  user_w1_ = register_parameter("user_w1", mul(randn({num_items_, h}, &gen), 0.1));
  user_b1_ = register_parameter("user_b1", zeros({h}));
  item_w1_ = register_parameter("item_w1", mul(randn({num_users_, h}, &gen), 0.1));
  item_b1_ = register_parameter("item_b1", zeros({h}));
  auto rest = [&] {
    return std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::UnaryModule>>{
        std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(h, d, true, &gen),
        std::make_shared<nn::ReLU>()});
  };
  user_rest_ = register_module("user_tower", rest());
  item_rest_ = register_module("item_tower", rest());
}

Tensor Dmf::tower(const Tensor& rows, const Tensor& first_weight, const Tensor& first_bias,
                  nn::Sequential& rest) {
  Tensor v = rest.forward(add(matmul(rows, first_weight), first_bias));
  return div(v, add(norm(v, 2.0, {1}, true), 1e-8));
}

Tensor Dmf::forward(const Tensor& users, const Tensor& items) {
  Tensor u = tower(embedding(user_rows_, users), user_w1_, user_b1_, *user_rest_);
  Tensor i = tower(embedding(item_rows_, items), item_w1_, item_b1_, *item_rest_);
  return sum(mul(u, i), {1});
}

Tensor Dmf::loss(const Tensor& users, const Tensor& pos, const Tensor& neg) {
  const int64_t b = users.numel(), n = neg.numel() / b;
  Tensor all_u = tower(user_rows_, user_w1_, user_b1_, *user_rest_);  // [U, d]
  Tensor all_i = tower(item_rows_, item_w1_, item_b1_, *item_rest_);  // [I, d]
  Tensor u = embedding(all_u, users);                                  // [B, d]
  Tensor s_pos = sum(mul(u, embedding(all_i, pos)), {1});              // [B]
  Tensor s_neg = sum(mul(u.unsqueeze(1), embedding(all_i, neg).reshape({b, n, -1})), {2});  // [B, n]
  const double lo = 1e-6, hi = 1 - 1e-6;
  // -[y log p + (1 - y) log(1 - p)] with y = 1 for positives and 0 for negatives.
  Tensor l_pos = sum(log(clamp(s_pos, lo, hi)));
  Tensor l_neg = sum(log(mul(sub(clamp(s_neg, lo, hi), Scalar(1.0)), -1.0)));  // log(1 - p)
  return mul(add(l_pos, l_neg), -1.0 / static_cast<double>(b * (n + 1)));
}

Tensor Dmf::score_matrix(const Tensor& users) {
  NoGradGuard no_grad;
  Tensor u = tower(embedding(user_rows_, users), user_w1_, user_b1_, *user_rest_);
  Tensor i = tower(item_rows_, item_w1_, item_b1_, *item_rest_);
  return matmul(u, i.t()).to(kFloat32).contiguous();
}

std::vector<std::unique_ptr<optim::Optimizer>> Dmf::make_optimizers(const TrainConfig& cfg) {
  std::vector<std::unique_ptr<optim::Optimizer>> v;
  v.push_back(make_optimizer("adam", parameters(), cfg.lr));
  return v;
}

}  // namespace tg::recsys
