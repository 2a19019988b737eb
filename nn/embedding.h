// nn/embedding.h — Embedding and EmbeddingBag: lookup tables of [num_embeddings, embedding_dim].
#pragma once

#include <optional>

#include "functional.h"
#include "module.h"

namespace tg::nn {

// ids (any shape, int64) -> [..., embedding_dim]; weight starts at N(0, 1) with the padding row
// zeroed. padding_idx's row gets no gradient; max_norm renormalises looked-up rows in place;
// sparse = true makes weight.grad() a sparse-rows tensor (tensor/sparse.h).
class Embedding : public UnaryModule {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim,
            std::optional<int64_t> padding_idx = std::nullopt,
            std::optional<double> max_norm = std::nullopt, bool sparse = false,
            Generator* gen = nullptr);
  Tensor forward(const Tensor& ids) override;  // weight[ids]
  void reset_parameters(Generator* gen = nullptr);
  std::string extra_repr() const override;

  int64_t num_embeddings, embedding_dim;
  std::optional<int64_t> padding_idx;  // stored wrapped into [0, num_embeddings)
  std::optional<double> max_norm;
  double norm_type = 2.0;
  bool sparse;
  Tensor weight;
};

// Bags of ids -> [B, embedding_dim]: the sum or mean of each bag's rows (multi-hot features,
// e.g. a movie's genres). See functional::embedding_bag for ids/offsets layouts.
class EmbeddingBag : public Module {
 public:
  EmbeddingBag(int64_t num_embeddings, int64_t embedding_dim,
               EmbeddingBagMode mode = EmbeddingBagMode::Mean, bool sparse = false,
               Generator* gen = nullptr);
  // sum/mean over k in bag b of per_sample_weights[k] * weight[ids[k]]
  Tensor forward(const Tensor& ids, const Tensor& offsets = Tensor(),
                 const Tensor& per_sample_weights = Tensor());
  Tensor operator()(const Tensor& ids, const Tensor& offsets = Tensor(),
                    const Tensor& per_sample_weights = Tensor()) {
    return forward(ids, offsets, per_sample_weights);
  }
  void reset_parameters(Generator* gen = nullptr);
  std::string extra_repr() const override;

  int64_t num_embeddings, embedding_dim;
  EmbeddingBagMode mode;
  bool sparse;
  Tensor weight;
};

}  // namespace tg::nn
