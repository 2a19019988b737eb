// optim/rmsprop.h — RMSprop (Hinton): divide by a running RMS of the gradient.
#pragma once

#include "optimizer.h"

namespace tg::optim {

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.0;
  bool centered = false;
};

// torch.optim.RMSprop:
//   g = grad + weight_decay * p
//   sq = alpha * sq + (1 - alpha) * g^2
//   centered: ga = alpha * ga + (1 - alpha) * g;  avg = sqrt(sq - ga^2) + eps
//   else:     avg = sqrt(sq) + eps
//   momentum > 0: buf = momentum * buf + g / avg;  p -= lr * buf
//   else:         p -= lr * g / avg
// Dense gradients only.
class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<Tensor> params, RMSpropOptions options = {});
  // Groups override options by name: lr, alpha, eps, weight_decay, momentum, centered.
  RMSprop(std::vector<ParamGroup> groups, RMSpropOptions defaults = {});
  void step() override;

 protected:
  ParamState init_state(const Tensor& p, const ParamGroup& group) const override;
  void check_options(const Options& options) const override;
};

}  // namespace tg::optim
