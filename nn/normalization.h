// nn/normalization.h — BatchNorm1d and LayerNorm.
#pragma once

#include <optional>

#include "module.h"

namespace tg::nn {

// Normalises each channel of x [N, C] or [N, C, L] by batch statistics in training (updating
// running_mean/running_var) and by the running statistics in eval mode.
class BatchNorm1d : public UnaryModule {
 public:
  // momentum nullopt: running stats are the cumulative average over all batches seen.
  explicit BatchNorm1d(int64_t num_features, double eps = 1e-5,
                       std::optional<double> momentum = 0.1, bool affine = true,
                       bool track_running_stats = true);
  // (x - mean) / sqrt(var + eps) * weight + bias
  Tensor forward(const Tensor& x) override;
  void reset_running_stats();
  std::string extra_repr() const override;

  int64_t num_features;
  double eps;
  std::optional<double> momentum;
  bool affine, track_running_stats;
  Tensor weight, bias;                                    // [C], when affine
  Tensor running_mean, running_var, num_batches_tracked;  // when track_running_stats
};

// Normalises over the trailing normalized_shape dims of each sample.
class LayerNorm : public UnaryModule {
 public:
  explicit LayerNorm(DimVec normalized_shape, double eps = 1e-5, bool elementwise_affine = true);
  // (x - mean) / sqrt(var + eps) * weight + bias
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  DimVec normalized_shape;
  double eps;
  bool elementwise_affine;
  Tensor weight, bias;  // normalized_shape, when elementwise_affine
};

}  // namespace tg::nn
