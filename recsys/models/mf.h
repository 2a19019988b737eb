// recsys/models/mf.h — biased matrix factorisation (Koren, Bell & Volinsky 2009):
//   r(u, i) = mu + b_u + b_i + p_u . q_i
// with sparse embeddings (only the rows of a batch are touched in backward and in the update)
// and L2 regularisation on the touched rows, trained on squared error.
#pragma once

#include "gradient_model.h"

namespace tg::recsys {

class BiasedMf : public GradientRecommender {
 public:
  BiasedMf() : GradientRecommender("BiasedMF") {}
  Tensor item_vectors() override { return item_factors_.detach(); }
  std::string extra_repr() const override;

 protected:
  Defaults defaults() const override;
  void build(const Dataset& ds, const Interactions& train, const TrainConfig& cfg) override;
  Tensor forward(const Tensor& users, const Tensor& items) override;
  Tensor regularization(const Tensor& users, const Tensor& items) override;
  std::vector<std::unique_ptr<optim::Optimizer>> make_optimizers(const TrainConfig& cfg) override;

 private:
  Tensor user_factors_, item_factors_, user_bias_, item_bias_;
};

}  // namespace tg::recsys
