// nn/embedding.cpp — Embedding and EmbeddingBag.
#include "embedding.h"

#include <sstream>

#include "../autograd/grad_mode.h"
#include "init.h"

namespace tg::nn {

Embedding::Embedding(int64_t num, int64_t dim, std::optional<int64_t> padding,
                     std::optional<double> max_norm_, bool sparse_, Generator* gen)
    : UnaryModule("Embedding"),
      num_embeddings(num),
      embedding_dim(dim),
      max_norm(max_norm_),
      sparse(sparse_) {
  TG_CHECK(num >= 0 && dim >= 0, "Embedding: sizes must be non-negative, got ", num, " and ", dim);
  if (padding) {
    TG_CHECK(*padding >= -num && *padding < num, "Embedding: padding_idx ", *padding,
             " must be within num_embeddings (", num, ")");
    padding_idx = *padding < 0 ? *padding + num : *padding;
  }
  weight = register_parameter("weight", empty({num, dim}));
  reset_parameters(gen);
}

void Embedding::reset_parameters(Generator* gen) {
  init::normal_(weight, 0.0, 1.0, gen);
  if (padding_idx) init::zeros_(weight[*padding_idx]);
}

Tensor Embedding::forward(const Tensor& ids) {
  return functional::embedding(weight, ids, padding_idx, max_norm, norm_type, sparse);
}

std::string Embedding::extra_repr() const {
  std::ostringstream os;
  os << num_embeddings << ", " << embedding_dim;
  if (padding_idx) os << ", padding_idx=" << *padding_idx;
  if (max_norm) os << ", max_norm=" << *max_norm;
  if (norm_type != 2.0) os << ", norm_type=" << norm_type;
  if (sparse) os << ", sparse=true";
  return os.str();
}

EmbeddingBag::EmbeddingBag(int64_t num, int64_t dim, EmbeddingBagMode mode_, bool sparse_,
                           Generator* gen)
    : Module("EmbeddingBag"),
      num_embeddings(num),
      embedding_dim(dim),
      mode(mode_),
      sparse(sparse_) {
  TG_CHECK(num >= 0 && dim >= 0, "EmbeddingBag: sizes must be non-negative, got ", num, " and ",
           dim);
  weight = register_parameter("weight", empty({num, dim}));
  reset_parameters(gen);
}

void EmbeddingBag::reset_parameters(Generator* gen) { init::normal_(weight, 0.0, 1.0, gen); }

Tensor EmbeddingBag::forward(const Tensor& ids, const Tensor& offsets,
                             const Tensor& per_sample_weights) {
  return functional::embedding_bag(weight, ids, offsets, mode, per_sample_weights, sparse);
}

std::string EmbeddingBag::extra_repr() const {
  std::ostringstream os;
  os << num_embeddings << ", " << embedding_dim
     << ", mode=" << (mode == EmbeddingBagMode::Sum ? "sum" : "mean");
  if (sparse) os << ", sparse=true";
  return os.str();
}

}  // namespace tg::nn
