// optim/rmsprop.cpp — RMSprop (see rmsprop.h for the update rule).
#include "rmsprop.h"

#include "../autograd/grad_mode.h"
#include "../tensor/error.h"
#include "../tensor/ops.h"

namespace tg::optim {
namespace {

Options to_options(const RMSpropOptions& o) {
  return {{"lr", o.lr},
          {"alpha", o.alpha},
          {"eps", o.eps},
          {"weight_decay", o.weight_decay},
          {"momentum", o.momentum},
          {"centered", o.centered ? 1.0 : 0.0}};
}

// The state tensor `name`, created as zeros if an option was switched on after creation.
Tensor& state_tensor(ParamState& s, const char* name, const Tensor& p) {
  auto it = s.tensors.find(name);
  if (it == s.tensors.end()) it = s.tensors.emplace(name, zeros_like(p)).first;
  return it->second;
}

}  // namespace

RMSprop::RMSprop(std::vector<Tensor> params, RMSpropOptions options)
    : RMSprop(std::vector<ParamGroup>{ParamGroup{std::move(params), {}}}, options) {}

RMSprop::RMSprop(std::vector<ParamGroup> groups, RMSpropOptions defaults)
    : Optimizer("RMSprop", to_options(defaults)) {
  init_groups(std::move(groups));
}

void RMSprop::check_options(const Options& o) const {
  TG_CHECK(o.at("lr") >= 0, "RMSprop: invalid learning rate ", o.at("lr"));
  TG_CHECK(o.at("alpha") >= 0, "RMSprop: invalid alpha ", o.at("alpha"));
  TG_CHECK(o.at("eps") >= 0, "RMSprop: invalid eps ", o.at("eps"));
  TG_CHECK(o.at("weight_decay") >= 0, "RMSprop: invalid weight_decay ", o.at("weight_decay"));
  TG_CHECK(o.at("momentum") >= 0, "RMSprop: invalid momentum ", o.at("momentum"));
}

ParamState RMSprop::init_state(const Tensor& p, const ParamGroup& group) const {
  ParamState s;
  s.tensors["square_avg"] = zeros_like(p);
  if (group.get("momentum") > 0) s.tensors["momentum_buffer"] = zeros_like(p);
  if (group.flag("centered")) s.tensors["grad_avg"] = zeros_like(p);
  return s;
}

void RMSprop::step() {
  NoGradGuard no_grad;
  auto& groups = param_groups();
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const ParamGroup& group = groups[gi];
    const double lr = group.lr(), alpha = group.get("alpha"), eps = group.get("eps");
    const double weight_decay = group.get("weight_decay"), momentum = group.get("momentum");
    const bool centered = group.flag("centered");
    for (size_t pi = 0; pi < group.params.size(); ++pi) {
      Tensor p = group.params[pi];
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      require_dense(grad, gi, pi, p);
      ParamState& s = state_for(p, group);
      ++s.step;
      if (weight_decay != 0) grad = add(grad, p, weight_decay);
      Tensor& square_avg = s.at("square_avg");
      square_avg.mul_(alpha).add_(mul(grad, grad), 1.0 - alpha);
      Tensor avg;
      if (centered) {
        Tensor& grad_avg = state_tensor(s, "grad_avg", p);
        grad_avg.mul_(alpha).add_(grad, 1.0 - alpha);
        avg = sqrt(sub(square_avg, mul(grad_avg, grad_avg))).add_(eps);
      } else {
        avg = sqrt(square_avg).add_(eps);
      }
      if (momentum > 0) {
        Tensor& buf = state_tensor(s, "momentum_buffer", p);
        buf.mul_(momentum).add_(div(grad, avg));
        p.sub_(buf, lr);
      } else {
        p.sub_(div(grad, avg), lr);
      }
    }
  }
}

}  // namespace tg::optim
