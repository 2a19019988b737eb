// recsys/models/mf.h — biased matrix factorisation (Koren, Bell & Volinsky 2009):
//   r(u, i) = mu + b_u + b_i + p_u . q_i
// with sparse embeddings (only the rows of a batch are touched in backward and in the update)
// and L2 regularisation on the touched rows, trained on squared error.
#pragma once

#include "gradient_model.h"

namespace tg::recsys {

class BiasedMf : public GradientRecommender {
 public:
  // Settings beyond TrainConfig (chosen on the validation part; see mf.cpp and docs/results.md).
  struct Options {
    double init_std = 0.01;  // factors start as N(0, init_std^2); biases at 0
    double bias_reg = 0.1;   // L2 on the biases = bias_reg * weight_decay
    // Each occurrence of a row in a batch is regularised with weight count^-reg_alpha (count = its
    // ratings in the training data): 0 = per rating (Funk / Koren SGD), 1 = once per row per epoch.
    double reg_alpha = 0.4;
  };
  BiasedMf() : GradientRecommender("BiasedMF") {}
  Options& options() { return opt_; }
  Tensor item_vectors() override { return item_factors_.detach(); }
  std::string extra_repr() const override;

 protected:
  Defaults defaults() const override;
  void describe_options(ModelOptions& o) override;
  void use_training_data(const Interactions& train) override;
  void build(const Dataset& ds, const Interactions& train, const TrainConfig& cfg) override;
  Tensor forward(const Tensor& users, const Tensor& items) override;
  Tensor regularization(const Tensor& users, const Tensor& items) override;
  std::vector<std::unique_ptr<optim::Optimizer>> make_optimizers(const TrainConfig& cfg) override;

 private:
  Options opt_;
  Tensor user_weight_, item_weight_;  // count^-reg_alpha per row (training only; not saved)
  Tensor user_factors_, item_factors_, user_bias_, item_bias_;
};

}  // namespace tg::recsys
