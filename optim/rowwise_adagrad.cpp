// optim/rowwise_adagrad.cpp — row-wise Adagrad, dense and sparse-rows (see rowwise_adagrad.h).
#include "rowwise_adagrad.h"

#include "../autograd/grad_mode.h"
#include "../tensor/error.h"
#include "../tensor/ops.h"
#include "../tensor/sparse.h"

namespace tg::optim {
namespace {

Options to_options(const RowWiseAdagradOptions& o) {
  return {{"lr", o.lr},
          {"lr_decay", o.lr_decay},
          {"weight_decay", o.weight_decay},
          {"initial_accumulator_value", o.initial_accumulator_value},
          {"eps", o.eps}};
}

// mean over every dimension but the first: [N, D...] -> [N]
Tensor row_mean(const Tensor& x) {
  if (x.dim() == 1) return x;
  return x.reshape({x.size(0), -1}).mean({1});
}

// [N] -> [N, 1, ...] so that it broadcasts against rows of `like`.
Tensor per_row(const Tensor& r, const Tensor& like) {
  DimVec shape(static_cast<size_t>(like.dim()), 1);
  shape[0] = r.size(0);
  return r.reshape(shape);
}

}  // namespace

RowWiseAdagrad::RowWiseAdagrad(std::vector<Tensor> params, RowWiseAdagradOptions options)
    : RowWiseAdagrad(std::vector<ParamGroup>{ParamGroup{std::move(params), {}}}, options) {}

RowWiseAdagrad::RowWiseAdagrad(std::vector<ParamGroup> groups, RowWiseAdagradOptions defaults)
    : Optimizer("RowWiseAdagrad", to_options(defaults)) {
  init_groups(std::move(groups));
  for (size_t gi = 0; gi < param_groups().size(); ++gi)
    for (size_t pi = 0; pi < param_groups()[gi].params.size(); ++pi) {
      const Tensor& p = param_groups()[gi].params[pi];
      TG_CHECK(p.dim() >= 1, "RowWiseAdagrad: ", describe(gi, pi, p),
               " is 0-dim; row-wise Adagrad needs rows");
    }
}

void RowWiseAdagrad::check_options(const Options& o) const {
  TG_CHECK(o.at("lr") >= 0, "RowWiseAdagrad: invalid learning rate ", o.at("lr"));
  TG_CHECK(o.at("lr_decay") >= 0, "RowWiseAdagrad: invalid lr_decay ", o.at("lr_decay"));
  TG_CHECK(o.at("weight_decay") >= 0, "RowWiseAdagrad: invalid weight_decay ",
           o.at("weight_decay"));
  TG_CHECK(o.at("initial_accumulator_value") >= 0,
           "RowWiseAdagrad: invalid initial_accumulator_value ", o.at("initial_accumulator_value"));
  TG_CHECK(o.at("eps") >= 0, "RowWiseAdagrad: invalid eps ", o.at("eps"));
}

ParamState RowWiseAdagrad::init_state(const Tensor& p, const ParamGroup& group) const {
  ParamState s;
  s.tensors["sum"] =
      full({p.size(0)}, group.get("initial_accumulator_value"), p.dtype(), p.device());
  return s;
}

void RowWiseAdagrad::step() {
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
      ParamState& s = state_for(p, group);
      const int64_t t = ++s.step;
      const double clr = lr / (1.0 + static_cast<double>(t - 1) * lr_decay);
      Tensor& sum = s.at("sum");
      if (grad.is_sparse()) {
        Tensor g = grad.coalesce();  // sum[r] needs the row's total gradient
        const Tensor& rows = g.indices();
        Tensor values = g.values();
        if (values.numel() == 0) continue;
        if (weight_decay != 0) values = add(values, index_select(p, 0, rows), weight_decay);
        add_sparse_(sum, sparse_rows(rows, row_mean(mul(values, values)), sum.sizes(), true));
        Tensor std_rows = sqrt(index_select(sum, 0, rows)).add_(eps);
        add_sparse_(p, sparse_rows(rows, div(values, per_row(std_rows, values)), p.sizes(), true),
                    -clr);
        continue;
      }
      if (weight_decay != 0) grad = add(grad, p, weight_decay);
      sum.add_(row_mean(mul(grad, grad)));
      p.sub_(div(grad, per_row(sqrt(sum).add_(eps), grad)), clr);
    }
  }
}

}  // namespace tg::optim
