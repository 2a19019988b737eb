// optim/adam.h — Adam (Kingma & Ba) with optional AMSGrad; L2 weight decay added to the gradient.
#pragma once

#include "optimizer.h"

namespace tg::optim {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool amsgrad = false;
};

// torch.optim.Adam, step t = 1, 2, ...:
//   g = grad + weight_decay * p
//   m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g^2
//   v_hat = amsgrad ? (v_max = max(v_max, v)) : v
//   p -= lr / (1 - beta1^t) * m / (sqrt(v_hat) / sqrt(1 - beta2^t) + eps)
// Dense gradients only (SparseAdam is the lazy variant for sparse embeddings).
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, AdamOptions options = {});
  // Groups override options by name: lr, beta1, beta2, eps, weight_decay, amsgrad.
  Adam(std::vector<ParamGroup> groups, AdamOptions defaults = {});
  void step() override;

 protected:
  // AdamW's constructor: `decoupled` applies weight decay as p *= 1 - lr * weight_decay.
  Adam(std::string name, std::vector<ParamGroup> groups, AdamOptions defaults, bool decoupled);
  ParamState init_state(const Tensor& p, const ParamGroup& group) const override;
  void check_options(const Options& options) const override;

 private:
  bool decoupled_ = false;
};

}  // namespace tg::optim
