// optim/adagrad.h — Adagrad (Duchi et al.): per-element learning rates from the sum of squares.
#pragma once

#include "optimizer.h"

namespace tg::optim {

struct AdagradOptions {
  double lr = 1e-2;
  double lr_decay = 0.0;
  double weight_decay = 0.0;
  double initial_accumulator_value = 0.0;
  double eps = 1e-10;
};

// torch.optim.Adagrad, step t = 1, 2, ...:
//   g = grad + weight_decay * p;  clr = lr / (1 + (t - 1) * lr_decay)
//   sum += g^2;  p -= clr * g / (sqrt(sum) + eps)
// Sparse-rows gradients (without weight decay) are coalesced and update only their rows of sum
// and p.
class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<Tensor> params, AdagradOptions options = {});
  // Groups override options by name: lr, lr_decay, weight_decay, initial_accumulator_value, eps.
  Adagrad(std::vector<ParamGroup> groups, AdagradOptions defaults = {});
  void step() override;

 protected:
  ParamState init_state(const Tensor& p, const ParamGroup& group) const override;
  void check_options(const Options& options) const override;
};

}  // namespace tg::optim
