// optim/adamw.cpp — AdamW: the Adam update with decoupled weight decay (adam.cpp does the work).
#include "adamw.h"

namespace tg::optim {

AdamW::AdamW(std::vector<Tensor> params, AdamWOptions options)
    : AdamW(std::vector<ParamGroup>{ParamGroup{std::move(params), {}}}, options) {}

AdamW::AdamW(std::vector<ParamGroup> groups, AdamWOptions defaults)
    : Adam("AdamW", std::move(groups),
           AdamOptions{defaults.lr, defaults.beta1, defaults.beta2, defaults.eps,
                       defaults.weight_decay, defaults.amsgrad},
           true) {}

}  // namespace tg::optim
