// recsys/models/ranking_models.h — the implicit-feedback ranking models (see ranking.h for the
// shared training loop and evaluation). Shape legend: B batch, n negatives per positive,
// U users, I items, d = TrainConfig::dim.
#pragma once

#include "../../nn/container.h"
#include "../../nn/linear.h"
#include "ranking.h"

namespace tg::recsys {

// Most-popular baseline: score(u, i) = log(1 + #training interactions of i). Nothing to learn.
class Popularity : public RankingRecommender {
 public:
  Popularity() : RankingRecommender("Popularity") {}
  FitReport fit(const Dataset& ds, const Split& split, const TrainConfig& cfg,
                const ProgressFn& progress) override;
  Tensor loss(const Tensor& users, const Tensor& pos, const Tensor& neg) override;

 protected:
  RankingDefaults defaults() const override { return RankingDefaults{}; }
  void build(const Dataset& ds, const Interactions& train, const TrainConfig& cfg) override;
  Tensor forward(const Tensor& users, const Tensor& items) override;
  std::vector<std::unique_ptr<optim::Optimizer>> make_optimizers(const TrainConfig&) override { return {}; }

 private:
  Tensor scores_;  // [I, 1] log(1 + count)
};

// BPR-MF (Rendle et al. 2009): s(u, i) = p_u . q_i + b_i with sparse embeddings;
// loss = mean(-log sigmoid(s(u, i) - s(u, j))) + lambda * mean over the batch of
// (|p_u|^2 + |q_i|^2 + |q_j|^2 + b_i^2 + b_j^2); SparseAdam.
class BprMf : public RankingRecommender {
 public:
  BprMf() : RankingRecommender("BprMF") {}
  Tensor loss(const Tensor& users, const Tensor& pos, const Tensor& neg) override;
  Tensor score_matrix(const Tensor& users) override;  // P[users] Q^T + b^T
  Tensor item_vectors() override { return item_emb_.detach(); }

 protected:
  RankingDefaults defaults() const override;
  void build(const Dataset& ds, const Interactions& train, const TrainConfig& cfg) override;
  Tensor forward(const Tensor& users, const Tensor& items) override;
  std::vector<std::unique_ptr<optim::Optimizer>> make_optimizers(const TrainConfig& cfg) override;

 private:
  Tensor user_emb_, item_emb_, item_bias_;
};

// NeuMF (He et al. 2017): logit(u, i) = w . [p_u * q_i, MLP([p'_u, q'_i])] + c with separate GMF
// and MLP embeddings (d each) and the MLP tower [2d -> d -> d/2] (ReLU; [64, 32, 16] at d = 32);
// binary cross-entropy on the positive (label 1) and its n negatives (label 0) + lambda * L2 of the
// touched embedding rows. Embeddings: SparseAdam; tower and output: Adam.
class NeuMf : public RankingRecommender {
 public:
  NeuMf() : RankingRecommender("NeuMF") {}
  Tensor loss(const Tensor& users, const Tensor& pos, const Tensor& neg) override;
  Tensor item_vectors() override { return gmf_item_.detach(); }

 protected:
  RankingDefaults defaults() const override;
  void build(const Dataset& ds, const Interactions& train, const TrainConfig& cfg) override;
  Tensor forward(const Tensor& users, const Tensor& items) override;
  std::vector<std::unique_ptr<optim::Optimizer>> make_optimizers(const TrainConfig& cfg) override;

 private:
  Tensor gmf_user_, gmf_item_, mlp_user_, mlp_item_;
  std::shared_ptr<nn::Sequential> tower_;
  std::shared_ptr<nn::Linear> out_;
  Tensor touched_l2_;  // sum of squared embedding rows of the last forward (for the regulariser)
};

// DMF (Xue et al. 2017), two towers over the interaction matrix Y (training positives only):
// user u's row Y[u, :] and item i's column Y[:, i] each go through an MLP [h = 2d -> d] (ReLU
// between), and s(u, i) = cos(user vector, item vector). The first layer of each tower is applied
// to the raw row (a dense [U, I] / [I, U] buffer, GEMM against the first layer), with the row divided
// by sqrt(its count) so that heavy and light users get inputs of the same scale; nothing is
// replaced by id embeddings. Each training step runs both towers over all users and all items (one
// GEMM each, cheaper than per-pair bags at ML-100K sizes) and gathers the rows it needs, hence the
// large default batch. ReLU also follows the last layer (as in RecBole's DMF), so cos >= 0. Normalized cross-entropy with y = Y_ui / max(Y) = 1 for positives, 0 for negatives
// and the probability max(cos, 1e-6) (clamped below 1 - 1e-6). All weights: Adam.
class Dmf : public RankingRecommender {
 public:
  Dmf() : RankingRecommender("DMF") {}
  Tensor loss(const Tensor& users, const Tensor& pos, const Tensor& neg) override;
  Tensor score_matrix(const Tensor& users) override;  // cosines of tower outputs, one GEMM

 protected:
  RankingDefaults defaults() const override;
  void build(const Dataset& ds, const Interactions& train, const TrainConfig& cfg) override;
  Tensor forward(const Tensor& users, const Tensor& items) override;
  std::vector<std::unique_ptr<optim::Optimizer>> make_optimizers(const TrainConfig& cfg) override;

 private:
  // Unit-norm tower outputs [N, d] for every row of rows [N, M].
  Tensor tower(const Tensor& rows, const Tensor& first_weight, const Tensor& first_bias,
               nn::Sequential& rest);
  Tensor user_rows_, item_rows_;  // Y with rows / columns scaled by 1/sqrt(count): [U, I], [I, U]
  Tensor user_w1_, user_b1_, item_w1_, item_b1_;
  std::shared_ptr<nn::Sequential> user_rest_, item_rest_;
};

}  // namespace tg::recsys
