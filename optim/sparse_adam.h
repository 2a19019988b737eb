// optim/sparse_adam.h — SparseAdam: lazy Adam for sparse-rows gradients (sparse embeddings).
#pragma once

#include "optimizer.h"

namespace tg::optim {

struct SparseAdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};

// torch.optim.SparseAdam. Each step coalesces the gradient (rows R, values g) and updates only
// rows R of m, v and p; rows not in R keep their moments (no decay), hence "lazy". t counts the
// steps in which p had a gradient:
//   m[R] += (1 - beta1) * (g - m[R]);  v[R] += (1 - beta2) * (g^2 - v[R])
//   p[R] -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m[R] / (sqrt(v[R]) + eps)
// Note eps sits outside the bias correction, unlike Adam. Dense gradients are an error (use Adam).
class SparseAdam : public Optimizer {
 public:
  SparseAdam(std::vector<Tensor> params, SparseAdamOptions options = {});
  // Groups override options by name: lr, beta1, beta2, eps.
  SparseAdam(std::vector<ParamGroup> groups, SparseAdamOptions defaults = {});
  void step() override;

 protected:
  ParamState init_state(const Tensor& p, const ParamGroup& group) const override;
  void check_options(const Options& options) const override;
};

}  // namespace tg::optim
