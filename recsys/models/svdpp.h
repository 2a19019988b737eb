// recsys/models/svdpp.h — SVD++ (Koren 2008): biased MF whose user vector also sums the implicit
// feedback of which items the user rated,
//   r(u, i) = mu + b_u + b_i + q_i . (p_u + |N(u)|^-1/2 sum_{j in N(u)} y_j)
// N(u) is built from the TRAINING interactions only (fit_features; the validation part is added
// only when the model is refitted on train + validation), never from the test pairs, and is saved
// with the weights (buffers implicit_offsets / implicit_items, CSR by user). Embeddings are sparse
// (SparseAdam); L2 on the touched rows as in BiasedMf.
#pragma once

#include "gradient_model.h"

namespace tg::recsys {

class SvdPP : public GradientRecommender {
 public:
  // Settings beyond TrainConfig (chosen on the validation part; see svdpp.cpp, docs/results.md).
  struct Options {
    double init_std = 0.01;     // p, q and y start as N(0, init_std^2); biases at 0
    double bias_reg = 0.1;      // L2 on the biases = bias_reg * weight_decay
    double implicit_reg = 1.0;  // L2 on the implicit sum |N(u)|^-1/2 sum y_j = implicit_reg * wd
    // Learning rate of the user rows (p_u, b_u) = user_lr * lr (for user_batches, where a user
    // row gets one update per epoch instead of one per rating).
    double user_lr = 1.0;
    // Batches of whole users (Defaults::user_batches) instead of random ratings.
    bool user_batches = false;
    // In training, each user's implicit sum is estimated from this many items of N(u) drawn
    // without replacement (scaled by |N(u)| / k, so unbiased); 0 = all. Prediction uses all.
    int64_t implicit_sample = 16;
  };
  SvdPP() : GradientRecommender("SVDpp") {}
  Options& options() { return opt_; }
  Tensor item_vectors() override { return item_factors_.detach(); }
  std::string extra_repr() const override;
  void adapt_to_state(const nn::StateDict& state) override;

 protected:
  Defaults defaults() const override;
  void describe_options(ModelOptions& o) override;
  void build(const Dataset& ds, const Interactions& train, const TrainConfig& cfg) override;
  void fit_features(const Dataset& ds, const Interactions& train) override;
  Tensor forward(const Tensor& users, const Tensor& items) override;
  Tensor regularization(const Tensor& users, const Tensor& items) override;
  std::vector<std::unique_ptr<optim::Optimizer>> make_optimizers(const TrainConfig& cfg) override;

 private:
  Options opt_;
  Tensor user_factors_, item_factors_, implicit_factors_, user_bias_, item_bias_;
  Tensor implicit_offsets_;  // int64 [U + 1]: user u's items are implicit_items[off[u]:off[u+1]]
  Tensor implicit_items_;    // int64 [nnz]
};

}  // namespace tg::recsys
