// optim/sgd.h — stochastic gradient descent with momentum, dampening, Nesterov and L2 decay.
#pragma once

#include "optimizer.h"

namespace tg::optim {

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
};

// torch.optim.SGD:
//   g = grad + weight_decay * p
//   buf = g (first step), else buf = momentum * buf + (1 - dampening) * g
//   g = nesterov ? g + momentum * buf : buf            (when momentum != 0)
//   p -= lr * g
// Sparse-rows gradients are accepted without momentum and weight decay: p[rows] -= lr * values.
class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, SGDOptions options = {});
  // Groups override options by name: {"lr", "momentum", "dampening", "weight_decay", "nesterov"}.
  SGD(std::vector<ParamGroup> groups, SGDOptions defaults = {});
  void step() override;

 protected:
  ParamState init_state(const Tensor& p, const ParamGroup& group) const override;
  void check_options(const Options& options) const override;
};

}  // namespace tg::optim
