// optim/optimizer.h — tg::optim::Optimizer: parameter groups, per-parameter state, state_dict.
//
// Mirrors torch.optim.Optimizer. Each optimizer declares its hyperparameters as named defaults
// ("lr", "weight_decay", "beta1", ...; booleans such as "nesterov" are 0/1); a ParamGroup may
// override any of them. Per-parameter state (exp_avg, ..., and the step count) is created lazily on
// the first step that sees a gradient, keyed by the parameter's TensorImpl, so it survives
// Module::to() and load_state_dict (which update parameters in place).
//
// state_dict() flattens everything into named tensors (nn::StateDict), so one safetensors file can
// hold a model and its optimizer:
//   "param_groups.<g>.<option>"  0-dim float64 (lr, weight_decay, ...)
//   "param_groups.<g>.params"    1-D int64: the global indices of the group's parameters
//   "state.<i>.step"             0-dim int64, i = index of the parameter across all groups
//   "state.<i>.<name>"           the state tensor (e.g. "state.3.exp_avg")
//
// Updates run under NoGradGuard and use in-place ops, so parameters keep their identity and their
// version counters advance (a saved tensor that was updated is detected by autograd).
// Rules for sparse-rows gradients (Embedding(sparse=true)) are in docs/optim.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "../nn/module.h"
#include "../tensor/tensor.h"

namespace tg::optim {

using Options = std::map<std::string, double>;

// A set of parameters sharing hyperparameters. `options` holds overrides when passed to an
// optimizer's constructor (e.g. {{"lr", 0.1}}); the optimizer fills in its defaults.
struct ParamGroup {
  std::vector<Tensor> params;
  Options options;

  double lr() const { return get("lr"); }
  void set_lr(double lr) { options["lr"] = lr; }
  // The value of a hyperparameter; throws tg::Error naming it when the group does not have it.
  double get(const std::string& name) const;
  bool flag(const std::string& name) const { return get(name) != 0.0; }
};

// Per-parameter state: a step count and named tensors.
struct ParamState {
  int64_t step = 0;
  std::map<std::string, Tensor> tensors;

  Tensor& at(const std::string& name);
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a gradient (parameters without one are skipped).
  virtual void step() = 0;
  // Drops (set_to_none) or zeroes every parameter's gradient. Sparse gradients are always dropped.
  void zero_grad(bool set_to_none = true);
  // Adds a group; missing options take the optimizer's defaults. A parameter may belong to only
  // one group.
  void add_param_group(ParamGroup group);

  const std::string& name() const { return name_; }
  const Options& defaults() const { return defaults_; }
  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  // The state of parameter p, or nullptr before its first update.
  const ParamState* state(const Tensor& p) const;

  // Hyperparameters and state as named tensors (see the header comment). State tensors are
  // copies: later steps do not change a saved dict.
  nn::StateDict state_dict() const;
  // Restores a dict written by state_dict() of an optimizer of the same kind over parameters of
  // the same shapes in the same groups. Throws tg::Error naming the offending key on a missing or
  // unexpected key, a group or parameter count mismatch, or a shape mismatch.
  void load_state_dict(const nn::StateDict& dict);

 protected:
  Optimizer(std::string name, Options defaults);
  // Constructors of derived classes call this after validating their defaults.
  void init_groups(std::vector<ParamGroup> groups);

  // The state of p, created with init_state() on first use.
  ParamState& state_for(const Tensor& p, const ParamGroup& group);
  // Fresh (zero-step) state for p: the tensors an update of p needs.
  virtual ParamState init_state(const Tensor& p, const ParamGroup& group) const = 0;
  // Checks one group's options (ranges, incompatible combinations); throws tg::Error.
  virtual void check_options(const Options& options) const { (void)options; }

  // "parameter 1 of group 0 (shape [10, 4])": how errors name a parameter.
  static std::string describe(size_t group_index, size_t param_index, const Tensor& p);
  // Throws unless grad is dense: for optimizers (or option combinations) that cannot use
  // sparse-rows gradients. `why` says which option is to blame, or is empty.
  void require_dense(const Tensor& grad, size_t group_index, size_t param_index, const Tensor& p,
                     const std::string& why = "") const;

 private:
  std::string name_;
  Options defaults_;
  std::vector<ParamGroup> groups_;
  std::unordered_map<const TensorImpl*, ParamState> state_;
};

}  // namespace tg::optim
