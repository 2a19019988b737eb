// optim/sparse_adam.cpp — lazy Adam over the rows of a sparse-rows gradient (see sparse_adam.h).
#include "sparse_adam.h"

#include <cmath>

#include "../autograd/grad_mode.h"
#include "../kernels/backend.h"
#include "../tensor/error.h"
#include "../tensor/ops.h"
#include "../tensor/sparse.h"

namespace tg::optim {
namespace {

Options to_options(const SparseAdamOptions& o) {
  return {{"lr", o.lr}, {"beta1", o.beta1}, {"beta2", o.beta2}, {"eps", o.eps}};
}

}  // namespace

SparseAdam::SparseAdam(std::vector<Tensor> params, SparseAdamOptions options)
    : SparseAdam(std::vector<ParamGroup>{ParamGroup{std::move(params), {}}}, options) {}

SparseAdam::SparseAdam(std::vector<ParamGroup> groups, SparseAdamOptions defaults)
    : Optimizer("SparseAdam", to_options(defaults)) {
  init_groups(std::move(groups));
}

void SparseAdam::check_options(const Options& o) const {
  TG_CHECK(o.at("lr") >= 0, "SparseAdam: invalid learning rate ", o.at("lr"));
  TG_CHECK(o.at("eps") >= 0, "SparseAdam: invalid eps ", o.at("eps"));
  TG_CHECK(o.at("beta1") >= 0 && o.at("beta1") < 1, "SparseAdam: invalid beta1 ", o.at("beta1"));
  TG_CHECK(o.at("beta2") >= 0 && o.at("beta2") < 1, "SparseAdam: invalid beta2 ", o.at("beta2"));
}

ParamState SparseAdam::init_state(const Tensor& p, const ParamGroup& group) const {
  (void)group;
  ParamState s;
  s.tensors["exp_avg"] = zeros_like(p);
  s.tensors["exp_avg_sq"] = zeros_like(p);
  return s;
}

void SparseAdam::step() {
  NoGradGuard no_grad;
  auto& groups = param_groups();
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const ParamGroup& group = groups[gi];
    const double lr = group.lr(), beta1 = group.get("beta1"), beta2 = group.get("beta2");
    const double eps = group.get("eps");
    for (size_t pi = 0; pi < group.params.size(); ++pi) {
      Tensor p = group.params[pi];
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      TG_CHECK(grad.is_sparse(), "SparseAdam: ", describe(gi, pi, p),
               " has a dense gradient; SparseAdam only takes sparse-rows gradients (an "
               "Embedding with sparse=true). Use Adam or AdamW for dense parameters, e.g. in a "
               "second optimizer");
      ParamState& s = state_for(p, group);
      const int64_t t = ++s.step;  // counted even for an empty gradient, as PyTorch does
      Tensor g = grad.coalesce();  // the update is not linear: each row must appear once
      const Tensor& rows = g.indices();
      const Tensor& values = g.values();
      if (values.numel() == 0) continue;
      Tensor& m = s.at("exp_avg");
      Tensor& v = s.at("exp_avg_sq");
      {  // one fused pass over the touched rows when the backend has one (CPU, CUDA)
        const double bc1 = 1.0 - std::pow(beta1, static_cast<double>(t));
        const double bc2 = 1.0 - std::pow(beta2, static_cast<double>(t));
        if (kernels::backend(p.device()).fused_sparse_adam(
                p, m, v, rows, values, {beta1, beta2, eps, lr * std::sqrt(bc2) / bc1})) {
          for (const Tensor* u : {&p, &m, &v}) u->impl().storage()->bump_version();
          continue;
        }
      }
      // Same arithmetic as PyTorch: old + (1 - b) * (new - old), added as a sparse update.
      Tensor old_m = index_select(m, 0, rows);
      Tensor m_update = sub(values, old_m).mul_(1.0 - beta1);
      add_sparse_(m, sparse_rows(rows, m_update, m.sizes(), true));
      Tensor old_v = index_select(v, 0, rows);
      Tensor v_update = mul(values, values).sub_(old_v).mul_(1.0 - beta2);
      add_sparse_(v, sparse_rows(rows, v_update, v.sizes(), true));
      Tensor numer = m_update.add_(old_m);
      Tensor denom = v_update.add_(old_v).sqrt().add_(eps);
      const double bias_correction1 = 1.0 - std::pow(beta1, static_cast<double>(t));
      const double bias_correction2 = 1.0 - std::pow(beta2, static_cast<double>(t));
      const double step_size = lr * std::sqrt(bias_correction2) / bias_correction1;
      add_sparse_(p, sparse_rows(rows, numer.div_(denom), p.sizes(), true), -step_size);
    }
  }
}

}  // namespace tg::optim
