// optim/sgd.cpp — SGD (see sgd.h for the update rule).
#include "sgd.h"

#include "../autograd/grad_mode.h"
#include "../tensor/error.h"
#include "../tensor/ops.h"
#include "../tensor/sparse.h"

namespace tg::optim {
namespace {

Options to_options(const SGDOptions& o) {
  return {{"lr", o.lr},
          {"momentum", o.momentum},
          {"dampening", o.dampening},
          {"weight_decay", o.weight_decay},
          {"nesterov", o.nesterov ? 1.0 : 0.0}};
}

}  // namespace

SGD::SGD(std::vector<Tensor> params, SGDOptions options)
    : SGD(std::vector<ParamGroup>{ParamGroup{std::move(params), {}}}, options) {}

SGD::SGD(std::vector<ParamGroup> groups, SGDOptions defaults)
    : Optimizer("SGD", to_options(defaults)) {
  init_groups(std::move(groups));
}

void SGD::check_options(const Options& o) const {
  TG_CHECK(o.at("lr") >= 0, "SGD: invalid learning rate ", o.at("lr"));
  TG_CHECK(o.at("momentum") >= 0, "SGD: invalid momentum ", o.at("momentum"));
  TG_CHECK(o.at("weight_decay") >= 0, "SGD: invalid weight_decay ", o.at("weight_decay"));
  TG_CHECK(o.at("nesterov") == 0 || (o.at("momentum") > 0 && o.at("dampening") == 0),
           "SGD: Nesterov momentum requires a momentum and zero dampening");
}

ParamState SGD::init_state(const Tensor& p, const ParamGroup& group) const {
  ParamState s;
  // Like PyTorch, the buffer starts as a copy of the first gradient (step() fills it).
  if (group.get("momentum") != 0) s.tensors["momentum_buffer"] = zeros_like(p);
  return s;
}

void SGD::step() {
  NoGradGuard no_grad;
  auto& groups = param_groups();
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const ParamGroup& group = groups[gi];
    const double lr = group.lr(), momentum = group.get("momentum");
    const double dampening = group.get("dampening"), weight_decay = group.get("weight_decay");
    const bool nesterov = group.flag("nesterov");
    for (size_t pi = 0; pi < group.params.size(); ++pi) {
      Tensor p = group.params[pi];
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      if (grad.is_sparse()) {
        if (momentum != 0) require_dense(grad, gi, pi, p, "momentum");
        if (weight_decay != 0) require_dense(grad, gi, pi, p, "weight_decay");
        ParamState& s = state_for(p, group);
        ++s.step;
        add_sparse_(p, grad, -lr);  // duplicated rows add up, as in the dense gradient
        continue;
      }
      Tensor d_p = weight_decay != 0 ? add(grad, p, weight_decay) : grad;
      ParamState& s = state_for(p, group);
      if (momentum != 0) {
        auto it = s.tensors.find("momentum_buffer");  // absent if momentum was 0 at creation
        const bool first = s.step == 0 || it == s.tensors.end();
        if (it == s.tensors.end()) it = s.tensors.emplace("momentum_buffer", zeros_like(p)).first;
        Tensor& buf = it->second;
        if (first) {
          buf.copy_(d_p);
        } else {
          buf.mul_(momentum).add_(d_p, 1.0 - dampening);
        }
        d_p = nesterov ? add(d_p, buf, momentum) : buf;
      }
      ++s.step;
      p.add_(d_p, -lr);
    }
  }
}

}  // namespace tg::optim
