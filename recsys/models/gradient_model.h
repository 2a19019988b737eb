// recsys/models/gradient_model.h — the training loop shared by every model trained by
// gradient descent (MF, Wide & Deep, deep MF): seeded mini-batches, one or more optimizers,
// early stopping on the validation loss (RMSE, or LogLoss for the binary task), the best epoch's
// weights restored at the end, and optional crash-safe checkpoints (TrainConfig::checkpoint).
#pragma once

#include <memory>
#include <vector>

#include "../../optim/optimizer.h"
#include "recommender.h"

namespace tg::recsys {

struct Batch;  // recsys/data/batch.h

// Tuned defaults a model gives the trainer (TrainConfig fields left at -1 / "" use these).
struct Defaults {
  int64_t epochs = 20;
  int64_t dim = 32;
  double lr = 1e-3;
  int64_t batch = 1024;
  std::string optimizer = "adam";
  double weight_decay = 0.0;
  int patience = 3;
  std::string behaviour = "none";
  double lr_decay = 1.0;  // per-epoch learning-rate factor (TrainConfig::lr_decay)
  bool refit = false;     // refit on train + validation for the best epoch count (TrainConfig::refit)
  // Batches hold whole users (users in a random order per epoch, their ratings consecutive)
  // instead of random ratings: for models whose forward() does per-user work (SVD++).
  bool user_batches = false;
};

class GradientRecommender : public Recommender {
 public:
  using Recommender::Recommender;
  void prepare(const Dataset& ds, const TrainConfig& cfg, float mean) override;
  TrainConfig resolved_config() const override { return cfg_; }
  FitReport fit(const Dataset& ds, const Split& split, const TrainConfig& cfg,
                const ProgressFn& progress) override;
  Tensor predict(const Tensor& users, const Tensor& items) override;
  // Training loss of one batch (MSE, or BCE on rating >= 4 for the binary task, + the model's
  // regularisation). Public so that tests can gradcheck a model end to end.
  virtual Tensor loss(const Tensor& users, const Tensor& items, const Tensor& ratings);
  bool binary() const { return cfg_.task == "binary"; }
  const std::vector<float>& heldout_valid_predictions() const override { return heldout_valid_; }

  // fit()'s inner loop, for callers that drive training themselves (a custom schedule, the
  // training benchmark bench/bench_recsys_train.cpp). After prepare(ds, cfg, mean):
  //   use_training_set(ds, train)  what fit() derives from the training data before its first
  //                                epoch (e.g. item2vec vectors, per-row rating counts);
  //   training_optimizers()        the optimizers fit() would use for the resolved config (one
  //                                per parameter group, e.g. Adagrad for the wide part and Adam
  //                                for the deep part of Wide & Deep);
  //   train(), then step(b, opts)  one batch exactly as fit() runs it — moved to the config's
  //                                device, loss(), zero_grad, backward, every optimizer's step —
  //                                returning the loss; tg::Error if it is not finite.
  // With batches from BatchIterator(train, batch, /*shuffle=*/true, &gen), gen a Generator seeded
  // with the resolved config's seed, this reproduces fit()'s weights bit for bit
  // (tests/test_recsys_training_hook.cpp; SVD++ batches whole users instead, see fit()). Left to
  // the caller: validation, early stopping, learning-rate decay, checkpoints and refit.
  using Optimizers = std::vector<std::unique_ptr<optim::Optimizer>>;
  void use_training_set(const Dataset& ds, const Interactions& train) {
    fit_features(ds, train);
    use_training_data(train);
  }
  Optimizers training_optimizers() { return make_optimizers(cfg_); }
  double step(Batch& b, Optimizers& optimizers) { return train_step(b, optimizers, "step", 0); }

 protected:
  virtual Defaults defaults() const = 0;
  // Whether forward() can produce logits for TrainConfig::task "binary" (a model that supports it
  // reads binary() in build/forward and uses offset() as its intercept).
  virtual bool supports_binary() const { return false; }
  // Whether the model takes TrainConfig::behaviour vectors.
  virtual bool supports_behaviour() const { return false; }
  // Features derived from the training data before the first epoch (e.g. item2vec vectors);
  // stored in buffers so that they are saved, checkpointed and restored with the weights.
  // Called again with train + validation before a refit (TrainConfig::refit).
  virtual void fit_features(const Dataset& ds, const Interactions& train) {
    (void)ds;
    (void)train;
  }
  // Non-random, unsaved preparation from the training data (e.g. per-row rating counts), called
  // by every fit before training — a fresh one, a resumed one, and again before a refit with
  // train + validation.
  virtual void use_training_data(const Interactions& train) { (void)train; }
  // The constant added to forward(): the mean rating, or the log-odds of the positive rate.
  float offset() const;
  // Creates the parameters for this dataset and resolved config (called once by fit).
  virtual void build(const Dataset& ds, const Interactions& train, const TrainConfig& cfg) = 0;
  // Differentiable predictions for known ids (float32 [B]).
  virtual Tensor forward(const Tensor& users, const Tensor& items) = 0;
  virtual Tensor regularization(const Tensor& users, const Tensor& items) {
    (void)users;
    (void)items;
    return Tensor();
  }
  virtual std::vector<std::unique_ptr<optim::Optimizer>> make_optimizers(const TrainConfig& cfg) = 0;

  TrainConfig cfg_;
  int64_t num_users_ = 0, num_items_ = 0;
  float mean_ = 0, min_rating_ = 1, max_rating_ = 5;  // mean_: positive rate for "binary"

 private:
  double validation_loss(const Interactions& valid);
  // One optimisation step on batch b (moved to cfg_.device first); returns the loss value and
  // throws tg::Error naming `phase` and `epoch` when it is not finite.
  double train_step(Batch& b, std::vector<std::unique_ptr<optim::Optimizer>>& optimizers,
                    const char* phase, int64_t epoch);
  std::vector<float> heldout_valid_;  // see Recommender::heldout_valid_predictions
};

// Builds a named optimizer ("adam", "adamw", "sgd", "adagrad", "sparse_adam", "rowwise_adagrad",
// "rmsprop") over params; throws tg::Error for an unknown name.
std::unique_ptr<optim::Optimizer> make_optimizer(const std::string& name,
                                                 const std::vector<Tensor>& params, double lr,
                                                 double weight_decay = 0.0);

}  // namespace tg::recsys
