// recsys/models/deep_mf.h — deep matrix factorisation for explicit ratings: the user-item pair
// is mapped to embeddings, concatenated and passed through an MLP tower that predicts the rating
// (the "deep matrix factorization" of the background article; He et al.'s NCF-MLP tower).
//   r(u, i) = mu + b_u + b_i + MLP([p_u, q_i])
// The global mean and biases carry the easy part of the signal so that the tower models the
// interaction. Embeddings are sparse (SparseAdam, L2 on touched rows); the tower uses Adam.
#pragma once

#include "../../nn/container.h"
#include "gradient_model.h"

namespace tg::recsys {

class DeepMf : public GradientRecommender {
 public:
  DeepMf() : GradientRecommender("DeepMF") {}
  Tensor item_vectors() override { return item_emb_.detach(); }
  std::string extra_repr() const override;

 protected:
  Defaults defaults() const override;
  void build(const Dataset& ds, const Interactions& train, const TrainConfig& cfg) override;
  Tensor forward(const Tensor& users, const Tensor& items) override;
  Tensor regularization(const Tensor& users, const Tensor& items) override;
  std::vector<std::unique_ptr<optim::Optimizer>> make_optimizers(const TrainConfig& cfg) override;

 private:
  Tensor user_emb_, item_emb_, user_bias_, item_bias_;
  std::shared_ptr<nn::Sequential> tower_;
};

}  // namespace tg::recsys
