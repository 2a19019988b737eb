// recsys/models/wide_deep.h — Wide & Deep (Cheng et al. 2016) for ratings.
//
//   r(u, i) = mu + wide(u, i) + deep(u, i)
// wide: a linear model over sparse one-hot features — the user id, the item id and cross
//       products of the user's demographics (gender, age bucket, occupation) and id with each of
//       the item's genres, plus item x gender and item x age; crosses are hashed into a fixed
//       table. It memorises specific co-occurrences. Trained with Adagrad on sparse gradients
//       (FTRL-like, as in the paper).
// deep: embeddings of user, item, age bucket, gender, occupation, zip prefix, release-year bucket
//       and the item's genres (EmbeddingBag, mean) concatenated into an MLP (ReLU, dropout). It
//       generalises to unseen combinations. Embeddings use SparseAdam, the MLP Adam.
// Both parts are trained jointly on the same squared error, or (task "binary") on the logistic
// loss of rating >= 4, as the paper's app-install classifier.
// With behaviour "item2vec" the deep part also takes two fixed dense vectors: the user's behaviour
// (mean item2vec vector of their training history, time-ordered) and the item's item2vec vector.
#pragma once

#include "../../nn/container.h"
#include "../../nn/embedding.h"
#include "../data/features.h"
#include "gradient_model.h"

namespace tg::recsys {

class WideDeep : public GradientRecommender {
 public:
  WideDeep() : GradientRecommender("WideDeep") {}
  Tensor item_vectors() override { return item_emb_.detach(); }
  std::string extra_repr() const override;

  static constexpr int64_t kCrossBuckets = int64_t{1} << 18;
  static constexpr int64_t kBehaviourDim = 32;

 protected:
  Defaults defaults() const override;
  bool supports_binary() const override { return true; }
  bool supports_behaviour() const override { return true; }
  void fit_features(const Dataset& ds, const Interactions& train) override;
  void build(const Dataset& ds, const Interactions& train, const TrainConfig& cfg) override;
  Tensor forward(const Tensor& users, const Tensor& items) override;
  Tensor regularization(const Tensor& users, const Tensor& items) override;
  std::vector<std::unique_ptr<optim::Optimizer>> make_optimizers(const TrainConfig& cfg) override;

 private:
  // Wide feature ids of a batch as one bag per sample (ids + offsets, int64).
  void wide_ids(const Tensor& users, const Tensor& items, Tensor& ids, Tensor& offsets) const;
  void genre_bags(const Tensor& items, Tensor& ids, Tensor& offsets) const;

  UserFeatures uf_;
  ItemFeatures if_;
  Tensor age_, gender_, occupation_, zip_, year_;  // per-user / per-item feature ids (int64)
  int64_t no_genre_ = 0;                           // extra genre row for items without genres
  Tensor wide_weight_, wide_bias_;
  Tensor user_emb_, item_emb_, age_emb_, gender_emb_, occ_emb_, zip_emb_, year_emb_, genre_emb_;
  std::shared_ptr<nn::Sequential> mlp_;
  Tensor behaviour_user_, behaviour_item_;  // buffers, with behaviour "item2vec"
};

}  // namespace tg::recsys
