// optim/scheduler.h — learning-rate schedulers (torch.optim.lr_scheduler) and gradient clipping.
//
// A scheduler remembers each group's lr at construction (base_lr) and rewrites the groups' "lr"
// option. As in PyTorch, constructing one already applies epoch 0 (LinearWarmup starts at
// start_factor * base_lr), and step() advances one epoch using PyTorch's recursive ("chainable")
// formulas, which agree with the closed forms noted on each class.
#pragma once

#include <cstdint>
#include <vector>

#include "optimizer.h"

namespace tg::optim {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  // Advances one epoch (or step) and writes the new learning rates into the optimizer.
  void step();
  // The learning rates set by the last step(), one per parameter group.
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }

 protected:
  explicit LRScheduler(Optimizer& optimizer);
  // Derived constructors call this last: applies epoch 0.
  void initial_step() { step(); }
  // The new lr of group `i` for epoch last_epoch_, from its current lr `lr`.
  virtual double get_lr(size_t i, double lr) const = 0;

  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  std::vector<double> last_lr_;
  int64_t last_epoch_ = -1;
};

// lr = base_lr * gamma^floor(epoch / step_size)
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);

 protected:
  double get_lr(size_t i, double lr) const override;

 private:
  int64_t step_size_;
  double gamma_;
};

// lr = base_lr * gamma^(number of milestones <= epoch); a milestone listed twice counts twice.
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);

 protected:
  double get_lr(size_t i, double lr) const override;

 private:
  std::vector<int64_t> milestones_;
  double gamma_;
};

// lr = base_lr * gamma^epoch
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);

 protected:
  double get_lr(size_t i, double lr) const override;

 private:
  double gamma_;
};

// lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2 (and back up after
// T_max, as PyTorch's recursive form does).
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t t_max, double eta_min = 0.0);

 protected:
  double get_lr(size_t i, double lr) const override;

 private:
  int64_t t_max_;
  double eta_min_;
};

// Linear warmup (torch LinearLR with end_factor = 1):
//   lr = base_lr * (start_factor + (1 - start_factor) * min(epoch, warmup_steps) / warmup_steps)
class LinearWarmup : public LRScheduler {
 public:
  LinearWarmup(Optimizer& optimizer, int64_t warmup_steps, double start_factor = 1.0 / 3);

 protected:
  double get_lr(size_t i, double lr) const override;

 private:
  int64_t warmup_steps_;
  double start_factor_;
};

// Scales all gradients by max_norm / (total_norm + 1e-6) when that is below 1, where total_norm
// is the norm_type-norm (inf = max |g|) of all gradients together; returns total_norm. Sparse
// gradients contribute the norm of their coalesced rows.
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0);

// Clamps every gradient element to [-clip_value, clip_value] (sparse gradients are coalesced
// first, so the clamp applies to the dense gradient's values).
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value);

}  // namespace tg::optim
