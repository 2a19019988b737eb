// optim/adagrad.cpp — Adagrad, dense and sparse-rows (see adagrad.h for the update rule).
#include "adagrad.h"

#include "../autograd/grad_mode.h"
#include "../tensor/error.h"
#include "../tensor/ops.h"
#include "../tensor/sparse.h"

namespace tg::optim {
namespace {

Options to_options(const AdagradOptions& o) {
  return {{"lr", o.lr},
          {"lr_decay", o.lr_decay},
          {"weight_decay", o.weight_decay},
          {"initial_accumulator_value", o.initial_accumulator_value},
          {"eps", o.eps}};
}

}  // namespace

Adagrad::Adagrad(std::vector<Tensor> params, AdagradOptions options)
    : Adagrad(std::vector<ParamGroup>{ParamGroup{std::move(params), {}}}, options) {}

Adagrad::Adagrad(std::vector<ParamGroup> groups, AdagradOptions defaults)
    : Optimizer("Adagrad", to_options(defaults)) {
  init_groups(std::move(groups));
}

void Adagrad::check_options(const Options& o) const {
  TG_CHECK(o.at("lr") >= 0, "Adagrad: invalid learning rate ", o.at("lr"));
  TG_CHECK(o.at("lr_decay") >= 0, "Adagrad: invalid lr_decay ", o.at("lr_decay"));
  TG_CHECK(o.at("weight_decay") >= 0, "Adagrad: invalid weight_decay ", o.at("weight_decay"));
  TG_CHECK(o.at("initial_accumulator_value") >= 0, "Adagrad: invalid initial_accumulator_value ",
           o.at("initial_accumulator_value"));
  TG_CHECK(o.at("eps") >= 0, "Adagrad: invalid eps ", o.at("eps"));
}

ParamState Adagrad::init_state(const Tensor& p, const ParamGroup& group) const {
  ParamState s;
  s.tensors["sum"] = full_like(p, group.get("initial_accumulator_value"));
  return s;
}

void Adagrad::step() {
  NoGradGuard no_grad;
  auto& groups = param_groups();
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const ParamGroup& group = groups[gi];
    const double lr = group.lr(), lr_decay = group.get("lr_decay");
    const double weight_decay = group.get("weight_decay"), eps = group.get("eps");
    for (size_t pi = 0; pi < group.params.size(); ++pi) {
      Tensor p = group.params[pi];
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      if (weight_decay != 0) require_dense(grad, gi, pi, p, "weight_decay");
      ParamState& s = state_for(p, group);
      const int64_t t = ++s.step;
      const double clr = lr / (1.0 + static_cast<double>(t - 1) * lr_decay);
      Tensor& sum = s.at("sum");
      if (grad.is_sparse()) {
        // Coalesce first: the update is not linear in the gradient, so each row must appear once.
        Tensor g = grad.coalesce();
        const Tensor& rows = g.indices();
        const Tensor& values = g.values();
        add_sparse_(sum, sparse_rows(rows, mul(values, values), sum.sizes(), true));
        Tensor std_rows = sqrt(index_select(sum, 0, rows)).add_(eps);
        add_sparse_(p, sparse_rows(rows, div(values, std_rows), p.sizes(), true), -clr);
        continue;
      }
      if (weight_decay != 0) grad = add(grad, p, weight_decay);
      sum.add_(mul(grad, grad));
      p.sub_(div(grad, sqrt(sum).add_(eps)), clr);
    }
  }
}

}  // namespace tg::optim
