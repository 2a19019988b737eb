// optim/adamw.h — AdamW (Loshchilov & Hutter): Adam with decoupled weight decay.
#pragma once

#include "adam.h"

namespace tg::optim {

struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;  // torch.optim.AdamW's default
  bool amsgrad = false;
};

// torch.optim.AdamW: p *= 1 - lr * weight_decay, then the Adam update without L2 in the gradient.
class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, AdamWOptions options = {});
  AdamW(std::vector<ParamGroup> groups, AdamWOptions defaults = {});
};

}  // namespace tg::optim
