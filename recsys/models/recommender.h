// recsys/models/recommender.h — what every model offers: fit, predict, recommend, similar,
// save/load. Models are built only from tapegrad tensors, autograd, nn and optim.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../../nn/module.h"
#include "../../tensor/tensor.h"
#include "../data/dataset.h"
#include "model_options.h"

namespace tg::recsys {

// Settings shared by the trainers; each model documents which ones it uses and its defaults.
struct TrainConfig {
  int64_t epochs = -1;         // -1: the model's tuned default
  int64_t dim = -1;            // embedding / factor size
  double lr = -1;
  int64_t batch = -1;
  std::string optimizer;       // "" = model default
  double weight_decay = -1;    // L2 strength (model-specific meaning)
  uint64_t seed = 42;
  int patience = -1;           // early stopping: epochs without validation improvement (-1: the
                               // model's default: 3 for rating models, 8 for ranking models)
  double valid_ratio = 0.05;   // part of train held out for early stopping when the split has none
  bool quiet = false;
  Device device{};
  // "rating" (regression on the rating, the default) or "binary" (classify rating >= 4 with a
  // logistic output; predict() then returns probabilities). Only Wide & Deep supports "binary".
  std::string task = "rating";
  // Wide & Deep: "item2vec" (its default) feeds the deep part the user's behaviour vector (mean of
  // item2vec vectors over their training history) and the item's item2vec vector; "none" does not.
  // "" = the model's default ("none" for the other models).
  std::string behaviour;
  // Crash-safe training (gradient-trained models): with a path, an atomic checkpoint (model,
  // optimizers, best weights, epoch, batch, RNG state, settings) is written at the end of each
  // epoch, and also every `checkpoint_every` batches when that is > 0; with resume, fit continues
  // from the checkpoint when the file exists, reaching the same result as an uninterrupted run
  // (and refuses a checkpoint written with other settings).
  std::string checkpoint;
  int64_t checkpoint_every = 0;
  bool resume = false;
  // Gradient-trained rating models: the learning rate is multiplied by lr_decay after every epoch
  // (-1: the model's default; 1: constant).
  double lr_decay = -1;
  // Gradient-trained rating models: after early stopping has picked the best epoch count E on the
  // validation part, train again from the same initial weights on train + validation for E epochs
  // and keep that model (-1: the model's default, 0: off, 1: on). Every choice (E included) is still
  // made on the validation part; the validation RMSE reported is that of the early-stopped model.
  int refit = -1;
};

// The rating threshold of the "binary" task: a rating >= 4 is a positive.
inline constexpr float kBinaryPositiveMin = 4.0f;

// Progress callback: (epoch, epochs, batch, batches, running loss); the CLI draws a bar with it.
using ProgressFn = std::function<void(int64_t, int64_t, int64_t, int64_t, double)>;

struct FitReport {
  int64_t epochs_run = 0;
  int64_t best_epoch = 0;
  double best_valid_rmse = 0;       // best validation loss: RMSE, or LogLoss for task "binary"
  std::string valid_metric = "rmse";  // "rmse" or "logloss"
  bool resumed = false;               // continued from a checkpoint
  double train_seconds = 0;
  std::vector<double> valid_curve;  // the validation metric after each epoch
};

struct Scored {
  int64_t item;  // dense id
  float score;
};

class Recommender : public nn::Module {
 public:
  using nn::Module::Module;
  // Creates the parameters for a dataset without training (fit calls it; load_model too).
  // `mean` is the training-set mean rating.
  virtual void prepare(const Dataset& ds, const TrainConfig& cfg, float mean) = 0;
  // The settings actually used (defaults filled in) after prepare/fit.
  virtual TrainConfig resolved_config() const = 0;
  // Trains on split.train, early-stopping on split.valid (must be non-empty).
  virtual FitReport fit(const Dataset& ds, const Split& split, const TrainConfig& cfg,
                        const ProgressFn& progress) = 0;
  // Predicted ratings (clamped to the dataset's rating range) for user/item id pairs (int64 [B]).
  // Unknown ids (>= the trained counts) fall back to the known parts (biases, global mean).
  virtual Tensor predict(const Tensor& users, const Tensor& items) = 0;
  // Scores of every item for one user (float32 [num_items]); default: predict in batches.
  virtual Tensor score_all(int64_t user, int64_t num_items);
  // Item embedding rows used by similar(); undefined when the model has none.
  virtual Tensor item_vectors() { return Tensor(); }
  // Predictions on split.valid made by the early-stopped model before a refit on train +
  // validation (TrainConfig::refit), so that a blend can still fit its weights on held-out
  // predictions; empty when the model was not refitted (its predict() is then held-out already).
  virtual const std::vector<float>& heldout_valid_predictions() const {
    static const std::vector<float> none;
    return none;
  }
  // Called with a saved state before load_state_dict, for models whose buffer shapes depend on
  // the training data (SVD++'s implicit-feedback lists); resizes those buffers.
  virtual void adapt_to_state(const nn::StateDict& state) { (void)state; }

  // Settings beyond TrainConfig (a model's Options struct), listed by describe_options (see
  // model_options.h). They are saved with the model and restored on load, are part of a
  // training checkpoint's settings, and the CLI sets them with --set NAME=VALUE. Set them before
  // prepare()/fit().
  std::map<std::string, std::string> option_values();
  bool has_option(const std::string& name);
  // tg::Error naming the model and option for an unknown name, bad text or a value out of range.
  void set_option(const std::string& name, const std::string& value);
  // Called by load_model for a file written before the model saved its options: restores the
  // settings such files were trained with where today's defaults differ (default: nothing).
  virtual void use_legacy_options() {}

 protected:
  virtual void describe_options(ModelOptions& o) { (void)o; }

 public:

  // The k best unseen items for `user` (dense id), highest score first.
  std::vector<Scored> recommend(int64_t user, int64_t k, const Dataset& ds,
                                const Interactions& seen);
  // The k items closest to `item` by cosine similarity of item vectors.
  std::vector<Scored> similar(int64_t item, int64_t k);
};

// The model names the CLI accepts, and a factory.
const std::vector<std::string>& model_names();
std::shared_ptr<Recommender> make_model(const std::string& name, const Dataset& ds);

// Saves weights, settings and the raw-id maps to a safetensors file (atomically).
void save_model(const std::string& path, Recommender& model, const std::string& name,
                const Dataset& ds);
// Loads a model saved by save_model for the same dataset (the id maps must match).
std::shared_ptr<Recommender> load_model(const std::string& path, const Dataset& ds,
                                        std::string* name = nullptr);

// RMSE / MAE of model predictions on a set of interactions (batched, no grad).
struct RatingEval {
  double rmse = 0, mae = 0;
  int64_t count = 0;
};
RatingEval evaluate_ratings(Recommender& model, const Interactions& data, int64_t batch = 8192);

// AUC and LogLoss of predicted probabilities (a model trained with task "binary") against the
// labels rating >= kBinaryPositiveMin, plus the accuracy at 0.5 and the positive rate.
struct BinaryEval {
  double auc = 0, logloss = 0, accuracy = 0, positive_rate = 0;
  int64_t count = 0;
};
BinaryEval evaluate_binary(Recommender& model, const Interactions& data, int64_t batch = 8192);

// Top-k ranking quality over all items a user has not rated in `train`: for each user with a
// test rating >= `relevant_min`, the relevant items are those test items.
struct RankEval {
  double hr = 0, ndcg = 0, precision = 0, recall = 0;
  int64_t users = 0;
};
RankEval evaluate_ranking(Recommender& model, const Dataset& ds, const Interactions& train,
                          const Interactions& test, int64_t k = 10, float relevant_min = 4.0f);

}  // namespace tg::recsys
