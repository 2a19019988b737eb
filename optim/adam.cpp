// optim/adam.cpp — Adam and (with decoupled weight decay) AdamW; see adam.h for the update rule.
#include "adam.h"

#include <cmath>

#include "../autograd/grad_mode.h"
#include "../kernels/backend.h"
#include "../tensor/error.h"
#include "../tensor/ops.h"

namespace tg::optim {
namespace {

Options to_options(const AdamOptions& o) {
  return {{"lr", o.lr},
          {"beta1", o.beta1},
          {"beta2", o.beta2},
          {"eps", o.eps},
          {"weight_decay", o.weight_decay},
          {"amsgrad", o.amsgrad ? 1.0 : 0.0}};
}

}  // namespace

Adam::Adam(std::vector<Tensor> params, AdamOptions options)
    : Adam(std::vector<ParamGroup>{ParamGroup{std::move(params), {}}}, options) {}

Adam::Adam(std::vector<ParamGroup> groups, AdamOptions defaults)
    : Adam("Adam", std::move(groups), defaults, false) {}

Adam::Adam(std::string name, std::vector<ParamGroup> groups, AdamOptions defaults, bool decoupled)
    : Optimizer(std::move(name), to_options(defaults)), decoupled_(decoupled) {
  init_groups(std::move(groups));
}

void Adam::check_options(const Options& o) const {
  TG_CHECK(o.at("lr") >= 0, name(), ": invalid learning rate ", o.at("lr"));
  TG_CHECK(o.at("eps") >= 0, name(), ": invalid eps ", o.at("eps"));
  TG_CHECK(o.at("beta1") >= 0 && o.at("beta1") < 1, name(), ": invalid beta1 ", o.at("beta1"));
  TG_CHECK(o.at("beta2") >= 0 && o.at("beta2") < 1, name(), ": invalid beta2 ", o.at("beta2"));
  TG_CHECK(o.at("weight_decay") >= 0, name(), ": invalid weight_decay ", o.at("weight_decay"));
}

ParamState Adam::init_state(const Tensor& p, const ParamGroup& group) const {
  ParamState s;
  s.tensors["exp_avg"] = zeros_like(p);
  s.tensors["exp_avg_sq"] = zeros_like(p);
  if (group.flag("amsgrad")) s.tensors["max_exp_avg_sq"] = zeros_like(p);
  return s;
}

void Adam::step() {
  NoGradGuard no_grad;
  auto& groups = param_groups();
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const ParamGroup& group = groups[gi];
    const double lr = group.lr(), beta1 = group.get("beta1"), beta2 = group.get("beta2");
    const double eps = group.get("eps"), weight_decay = group.get("weight_decay");
    const bool amsgrad = group.flag("amsgrad");
    for (size_t pi = 0; pi < group.params.size(); ++pi) {
      Tensor p = group.params[pi];
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      require_dense(grad, gi, pi, p);
      ParamState& s = state_for(p, group);
      const int64_t t = ++s.step;
      if (!amsgrad && kernels::backend(p.device()).fused_adam(
              p, grad, s.at("exp_avg"), s.at("exp_avg_sq"),
              {lr, beta1, beta2, eps, weight_decay, 1.0 - std::pow(beta1, static_cast<double>(t)),
               1.0 - std::pow(beta2, static_cast<double>(t)), decoupled_})) {
        for (const Tensor* u : {&p, &s.at("exp_avg"), &s.at("exp_avg_sq")})
          u->impl().storage()->bump_version();
        continue;  // one fused kernel did the update below
      }
      if (weight_decay != 0) {
        if (decoupled_) {
          p.mul_(1.0 - lr * weight_decay);
        } else {
          grad = add(grad, p, weight_decay);
        }
      }
      Tensor& m = s.at("exp_avg");
      Tensor& v = s.at("exp_avg_sq");
      m.mul_(beta1).add_(grad, 1.0 - beta1);
      v.mul_(beta2).add_(mul(grad, grad), 1.0 - beta2);
      const double bias_correction1 = 1.0 - std::pow(beta1, static_cast<double>(t));
      const double bias_correction2 = 1.0 - std::pow(beta2, static_cast<double>(t));
      const double step_size = lr / bias_correction1;
      Tensor v_hat = v;
      if (amsgrad) {
        auto it = s.tensors.find("max_exp_avg_sq");  // absent if amsgrad was off at creation
        if (it == s.tensors.end()) it = s.tensors.emplace("max_exp_avg_sq", zeros_like(p)).first;
        it->second.copy_(maximum(it->second, v));
        v_hat = it->second;
      }
      Tensor denom = sqrt(v_hat).div_(std::sqrt(bias_correction2)).add_(eps);
      p.sub_(div(m, denom), step_size);
    }
  }
}

}  // namespace tg::optim
