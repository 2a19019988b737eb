// optim/rowwise_adagrad.h — row-wise Adagrad: one accumulator per embedding row (FBGEMM / DLRM).
#pragma once

#include "optimizer.h"

namespace tg::optim {

struct RowWiseAdagradOptions {
  double lr = 1e-2;
  double lr_decay = 0.0;
  double weight_decay = 0.0;
  double initial_accumulator_value = 0.0;
  double eps = 1e-10;
};

// For a parameter of shape [V, D...] the state is sum [V] (D times less memory than Adagrad).
// Step t = 1, 2, ..., for every row r with a gradient g_r (all rows when the gradient is dense;
// the rows present after coalescing when it is sparse):
//   g_r += weight_decay * p_r;  clr = lr / (1 + (t - 1) * lr_decay)
//   sum[r] += mean(g_r^2);  p_r -= clr * g_r / (sqrt(sum[r]) + eps)
// A 1-D parameter has one-element rows. No PyTorch counterpart (torchrec/FBGEMM's rule).
class RowWiseAdagrad : public Optimizer {
 public:
  RowWiseAdagrad(std::vector<Tensor> params, RowWiseAdagradOptions options = {});
  // Groups override options by name: lr, lr_decay, weight_decay, initial_accumulator_value, eps.
  RowWiseAdagrad(std::vector<ParamGroup> groups, RowWiseAdagradOptions defaults = {});
  void step() override;

 protected:
  ParamState init_state(const Tensor& p, const ParamGroup& group) const override;
  void check_options(const Options& options) const override;
};

}  // namespace tg::optim
