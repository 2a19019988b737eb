// recsys/models/deep_mf.h — deep matrix factorisation for explicit ratings: the user-item pair
// is mapped to embeddings, concatenated and passed through an MLP tower that predicts the rating
// (the "deep matrix factorization" of the background article; He et al.'s NCF-MLP tower).
//   r(u, i) = mu + b_u + b_i + MLP([p_u, q_i])                   (dot off)
//   r(u, i) = mu + b_u + b_i + p_u . q_i + MLP([p_u, q_i])       (Options::dot)
// (Options::product adds the element-wise product p_u * q_i to the tower's input; off by default,
// it was worse on the validation part)
// The global mean and biases carry the easy part of the signal so that the tower models the
// interaction. With Options::pretrain the embeddings and biases start from a biased MF fitted on
// the same training data (NeuMF-style pre-training, He et al. 2017): with the dot term and the
// tower's last layer starting at zero, training starts from the MF model and the tower learns a
// correction to it. Embeddings are sparse (SparseAdam, L2 on touched rows); the tower uses Adam.
#pragma once

#include "../../nn/container.h"
#include "gradient_model.h"

namespace tg::recsys {

class DeepMf : public GradientRecommender {
 public:
  // Settings beyond TrainConfig (chosen on the validation part; see deep_mf.cpp, docs/results.md).
  struct Options {
    bool product = false;  // also feed the tower the element-wise product p_u * q_i
    int64_t hidden = 64;   // tower widths: hidden, hidden / 2, 1
    double dropout = 0.2;  // after the first hidden layer
    double init_std = 0.05;
    double bias_reg = 0.0;  // L2 on the touched biases = bias_reg * weight_decay
    // Before training, fit a BiasedMf (its own defaults, dim = TrainConfig::dim) on the training
    // data only — early-stopped on a nested 5% part of it (seed + 1), then refitted on all of it
    // — and start the embeddings and biases from its factors and biases.
    bool pretrain = true;
    // Add the dot product p_u . q_i to the output (the tower's last layer then starts at zero, so
    // that a pretrained model starts at the MF's predictions).
    bool dot = true;
  };
  DeepMf() : GradientRecommender("DeepMF") {}
  Options& options() { return opt_; }
  Tensor item_vectors() override { return item_emb_.detach(); }
  std::string extra_repr() const override;

  // Files saved before the options were: random start, no dot term (the defaults until then).
  void use_legacy_options() override {
    opt_.pretrain = false;
    opt_.dot = false;
  }
 protected:
  Defaults defaults() const override;
  void describe_options(ModelOptions& o) override;
  void fit_features(const Dataset& ds, const Interactions& train) override;
  void build(const Dataset& ds, const Interactions& train, const TrainConfig& cfg) override;
  Tensor forward(const Tensor& users, const Tensor& items) override;
  Tensor regularization(const Tensor& users, const Tensor& items) override;
  std::vector<std::unique_ptr<optim::Optimizer>> make_optimizers(const TrainConfig& cfg) override;

 private:
  Options opt_;
  Tensor user_emb_, item_emb_, user_bias_, item_bias_;
  std::shared_ptr<nn::Sequential> tower_;
};

}  // namespace tg::recsys
