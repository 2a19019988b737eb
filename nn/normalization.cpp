// nn/normalization.cpp — BatchNorm1d and LayerNorm (the math is in nn/functional.cpp).
#include "normalization.h"

#include <sstream>

#include "../autograd/grad_mode.h"
#include "../tensor/ops.h"
#include "functional.h"

namespace tg::nn {

BatchNorm1d::BatchNorm1d(int64_t num_features_, double eps_, std::optional<double> momentum_,
                         bool affine_, bool track_running_stats_)
    : UnaryModule("BatchNorm1d"),
      num_features(num_features_),
      eps(eps_),
      momentum(momentum_),
      affine(affine_),
      track_running_stats(track_running_stats_) {
  TG_CHECK(num_features > 0, "BatchNorm1d: num_features must be positive, got ", num_features);
  if (affine) {
    weight = register_parameter("weight", ones({num_features}));
    bias = register_parameter("bias", zeros({num_features}));
  }
  if (track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({num_features}));
    running_var = register_buffer("running_var", ones({num_features}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, kInt64));
  }
}

void BatchNorm1d::reset_running_stats() {
  if (!track_running_stats) return;
  NoGradGuard no_grad;
  running_mean.zero_();
  running_var.fill_(1.0);
  num_batches_tracked.zero_();
}

Tensor BatchNorm1d::forward(const Tensor& x) {
  TG_CHECK(x.defined() && (x.dim() == 2 || x.dim() == 3) && x.size(1) == num_features,
           "BatchNorm1d: expected input [N, ", num_features, "] or [N, ", num_features,
           ", L], got ", x.defined() ? x.sizes() : DimVec{});
  double factor = momentum.value_or(0.0);
  if (is_training() && track_running_stats) {
    NoGradGuard no_grad;
    num_batches_tracked.add_(Scalar(1));
    // Without momentum the running stats are a cumulative average: weight 1/k for batch k.
    if (!momentum) factor = 1.0 / static_cast<double>(num_batches_tracked.item<int64_t>());
  }
  // Without running statistics, eval mode normalises by the batch too (PyTorch semantics).
  bool use_batch_stats = is_training() || !track_running_stats;
  return functional::batch_norm(x, running_mean, running_var, weight, bias, use_batch_stats, factor,
                                eps);
}

std::string BatchNorm1d::extra_repr() const {
  std::ostringstream os;
  os << num_features << ", eps=" << eps << ", momentum=";
  if (momentum) os << *momentum;
  else os << "None";
  os << ", affine=" << (affine ? "true" : "false")
     << ", track_running_stats=" << (track_running_stats ? "true" : "false");
  return os.str();
}

LayerNorm::LayerNorm(DimVec normalized_shape_, double eps_, bool elementwise_affine_)
    : UnaryModule("LayerNorm"),
      normalized_shape(normalized_shape_),
      eps(eps_),
      elementwise_affine(elementwise_affine_) {
  TG_CHECK(normalized_shape.size() >= 1, "LayerNorm: normalized_shape must not be empty");
  if (elementwise_affine) {
    weight = register_parameter("weight", ones(normalized_shape));
    bias = register_parameter("bias", zeros(normalized_shape));
  }
}

Tensor LayerNorm::forward(const Tensor& x) {
  return functional::layer_norm(x, normalized_shape, weight, bias, eps);
}

std::string LayerNorm::extra_repr() const {
  std::ostringstream os;
  os << "(";
  for (int i = 0; i < normalized_shape.size(); ++i) os << (i ? ", " : "") << normalized_shape[i];
  os << (normalized_shape.size() == 1 ? ",)" : ")") << ", eps=" << eps
     << ", elementwise_affine=" << (elementwise_affine ? "true" : "false");
  return os.str();
}

}  // namespace tg::nn
