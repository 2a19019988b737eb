// nn/functional.h — stateless layer functions and losses (tg::nn::functional, alias F).
//
// Every function composes differentiable ops from tensor/ops.h, so gradients (and double
// gradients) come from their formulas; nothing here records its own backward node. Modules in
// nn/*.h hold the parameters and call these. Shape legend: N batch, C classes/features,
// D embedding dim, B bags.
#pragma once

#include <optional>
#include <string>

#include "../tensor/ops.h"

namespace tg::nn {

// How a loss reduces its per-element values: keep them, average them, or add them up.
enum class Reduction { None, Mean, Sum };

enum class EmbeddingBagMode { Sum, Mean };

namespace functional {

// ---- layers (nn/functional.cpp) -----------------------------------------------------------------
// x [..., in] @ weight[out, in]^T + bias[out] -> [..., out].
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

// Rows of weight [V, D] at ids (any shape) -> [..., D]. padding_idx: those positions pass no
// gradient to the weight. max_norm: the looked-up rows whose norm_type-norm exceeds it are
// rescaled to max_norm in the weight itself (in place, not recorded) before the lookup.
// sparse: the weight's gradient is a sparse-rows tensor (tensor/sparse.h).
Tensor embedding(const Tensor& weight, const Tensor& ids,
                 std::optional<int64_t> padding_idx = std::nullopt,
                 std::optional<double> max_norm = std::nullopt, double norm_type = 2.0,
                 bool sparse = false);

// Per bag b: sum (or mean) over k in bag b of per_sample_weights[k] * weight[ids[k]] -> [B, D].
// ids [n] with offsets [B] (bag b is ids[offsets[b] : offsets[b+1]]), or ids [B, L] with no
// offsets (each row a bag). Empty bags give zeros. per_sample_weights need mode Sum.
Tensor embedding_bag(const Tensor& weight, const Tensor& ids, const Tensor& offsets = Tensor(),
                     EmbeddingBagMode mode = EmbeddingBagMode::Mean,
                     const Tensor& per_sample_weights = Tensor(), bool sparse = false);

// Zeroes elements with probability p and scales the rest by 1/(1-p) when training.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true, Generator* gen = nullptr);

Tensor relu(const Tensor& x);     // max(x, 0)
Tensor sigmoid(const Tensor& x);  // 1 / (1 + exp(-x))
Tensor tanh(const Tensor& x);
// approximate "none": x * Phi(x); "tanh": 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
Tensor gelu(const Tensor& x, const std::string& approximate = "none");

// (x - mean) / sqrt(var + eps) * weight + bias over the channel dim 1 of x [N, C] or [N, C, L].
// training: batch statistics (biased var), and when running stats are given they are updated in
// place as (1 - momentum) * running + momentum * batch (unbiased var). Otherwise: running stats.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(),
                  bool training = false, double momentum = 0.1, double eps = 1e-5);

// (x - mean) / sqrt(var + eps) * weight + bias, statistics over the trailing normalized_shape dims.
Tensor layer_norm(const Tensor& x, const DimVec& normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);

// ---- losses (nn/functional_loss.cpp); input and target have the same shape unless noted ------
// (input - target)^2
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
// |input - target|
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
// d = input - target: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta).
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                  double delta = 1.0);
// -weight * (y log(p) + (1 - y) log(1 - p)), each log clamped at -100 (PyTorch).
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                            const Tensor& weight = Tensor(), Reduction reduction = Reduction::Mean);
// -weight * (pos_weight y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))), computed as
// weight * ((1 - y) x + (1 + (pos_weight - 1) y) softplus(-x)): finite for any |x|.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight = Tensor(),
                                        Reduction reduction = Reduction::Mean,
                                        const Tensor& pos_weight = Tensor());
// log_probs [N, C], target [N] int64: -weight[y] * log_probs[i, y]; Mean divides by the summed
// weights of the non-ignored targets; targets equal to ignore_index contribute nothing.
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, const Tensor& weight = Tensor(),
                int64_t ignore_index = -100, Reduction reduction = Reduction::Mean);
// logits [N, C], target [N] int64: nll_loss(log_softmax(logits)), mixed with label smoothing
// eps as (1 - eps) * nll + eps / C * sum_c -weight[c] log_probs[i, c].
Tensor cross_entropy(const Tensor& logits, const Tensor& target, const Tensor& weight = Tensor(),
                     int64_t ignore_index = -100, Reduction reduction = Reduction::Mean,
                     double label_smoothing = 0.0);
// Bayesian personalised ranking: -log sigmoid(pos - neg) = softplus(neg - pos) (stable).
Tensor bpr_loss(const Tensor& pos_scores, const Tensor& neg_scores,
                Reduction reduction = Reduction::Mean);

// Applies a reduction to per-element losses.
Tensor reduce(const Tensor& loss, Reduction reduction);

}  // namespace functional

namespace F = functional;

}  // namespace tg::nn
