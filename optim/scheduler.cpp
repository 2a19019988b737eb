// optim/scheduler.cpp — LR schedulers (PyTorch's recursive formulas) and gradient clipping.
#include "scheduler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "../autograd/grad_mode.h"
#include "../tensor/error.h"
#include "../tensor/ops.h"
#include "../tensor/sparse.h"

namespace tg::optim {

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  for (const ParamGroup& g : optimizer_.param_groups()) base_lrs_.push_back(g.lr());
}

void LRScheduler::step() {
  ++last_epoch_;
  auto& groups = optimizer_.param_groups();
  TG_CHECK(groups.size() == base_lrs_.size(), "LRScheduler.step: the optimizer has ", groups.size(),
           " parameter groups but had ", base_lrs_.size(), " when the scheduler was created");
  last_lr_.clear();
  for (size_t i = 0; i < groups.size(); ++i) {
    groups[i].set_lr(get_lr(i, groups[i].lr()));
    last_lr_.push_back(groups[i].lr());
  }
}

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  TG_CHECK(step_size > 0, "StepLR: step_size must be positive, got ", step_size);
  initial_step();
}

double StepLR::get_lr(size_t, double lr) const {
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lr;
  return lr * gamma_;
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : LRScheduler(optimizer), milestones_(std::move(milestones)), gamma_(gamma) {
  initial_step();
}

double MultiStepLR::get_lr(size_t, double lr) const {
  auto hits = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  if (hits == 0) return lr;
  return lr * std::pow(gamma_, static_cast<double>(hits));
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma)
    : LRScheduler(optimizer), gamma_(gamma) {
  initial_step();
}

double ExponentialLR::get_lr(size_t, double lr) const {
  return last_epoch_ == 0 ? lr : lr * gamma_;
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t t_max, double eta_min)
    : LRScheduler(optimizer), t_max_(t_max), eta_min_(eta_min) {
  TG_CHECK(t_max > 0, "CosineAnnealingLR: T_max must be positive, got ", t_max);
  initial_step();
}

double CosineAnnealingLR::get_lr(size_t i, double lr) const {
  const double pi = std::numbers::pi, t_max = static_cast<double>(t_max_);
  const double e = static_cast<double>(last_epoch_);
  if (last_epoch_ == 0) return lr;
  if ((last_epoch_ - 1 - t_max_) % (2 * t_max_) == 0)
    return lr + (base_lrs_[i] - eta_min_) * (1 - std::cos(pi / t_max)) / 2;
  return (1 + std::cos(pi * e / t_max)) / (1 + std::cos(pi * (e - 1) / t_max)) * (lr - eta_min_) +
         eta_min_;
}

LinearWarmup::LinearWarmup(Optimizer& optimizer, int64_t warmup_steps, double start_factor)
    : LRScheduler(optimizer), warmup_steps_(warmup_steps), start_factor_(start_factor) {
  TG_CHECK(warmup_steps > 0, "LinearWarmup: warmup_steps must be positive, got ", warmup_steps);
  TG_CHECK(start_factor > 0 && start_factor <= 1,
           "LinearWarmup: start_factor must be in (0, 1], got ", start_factor);
  initial_step();
}

double LinearWarmup::get_lr(size_t, double lr) const {
  if (last_epoch_ == 0) return lr * start_factor_;
  if (last_epoch_ > warmup_steps_) return lr;
  const double delta = 1.0 - start_factor_;
  return lr * (1.0 + delta / (static_cast<double>(warmup_steps_) * start_factor_ +
                              static_cast<double>(last_epoch_ - 1) * delta));
}

// ---- gradient clipping -----------------------------------------------------------------------

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type) {
  NoGradGuard no_grad;
  const bool inf = std::isinf(norm_type);
  double total = 0.0;
  std::vector<Tensor> with_grad;
  for (const Tensor& p : params) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    with_grad.push_back(p);
    // A sparse gradient's dense norm is the norm of its coalesced rows.
    Tensor values = g.is_sparse() ? g.coalesce().values() : g;
    if (values.numel() == 0) continue;
    const double n = norm(values.to(kFloat64), norm_type).item<double>();
    total = inf ? std::max(total, n) : total + std::pow(n, norm_type);
  }
  if (!inf && !with_grad.empty()) total = std::pow(total, 1.0 / norm_type);
  const double coef = std::min(max_norm / (total + 1e-6), 1.0);
  if (coef < 1.0) {
    for (Tensor& p : with_grad) {
      Tensor g = p.grad();
      if (g.is_sparse()) {
        // Fresh values instead of an in-place update: the rows may alias autograd buffers.
        Tensor(p).set_grad(
            sparse_rows(g.indices(), mul(g.values(), coef), g.sizes(), g.is_coalesced()));
      } else {
        g.mul_(coef);
      }
    }
  }
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
  NoGradGuard no_grad;
  for (const Tensor& p : params) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (g.is_sparse()) {
      Tensor c = g.coalesce();
      Tensor(p).set_grad(
          sparse_rows(c.indices(), clamp(c.values(), -clip_value, clip_value), c.sizes(), true));
    } else {
      g.clamp_(-clip_value, clip_value);
    }
  }
}

}  // namespace tg::optim
