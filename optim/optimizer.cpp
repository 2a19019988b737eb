// optim/optimizer.cpp — the Optimizer base: groups, lazy per-parameter state, state_dict.
#include "optimizer.h"

#include <set>
#include <sstream>

#include "../autograd/grad_mode.h"
#include "../tensor/error.h"
#include "../tensor/ops.h"

namespace tg::optim {

double ParamGroup::get(const std::string& name) const {
  auto it = options.find(name);
  TG_CHECK(it != options.end(), "optim: parameter group has no option '", name, "'");
  return it->second;
}

Tensor& ParamState::at(const std::string& name) {
  auto it = tensors.find(name);
  TG_INTERNAL_ASSERT(it != tensors.end(), "optimizer state has no tensor '", name, "'");
  return it->second;
}

Optimizer::Optimizer(std::string name, Options defaults)
    : name_(std::move(name)), defaults_(std::move(defaults)) {}

void Optimizer::init_groups(std::vector<ParamGroup> groups) {
  check_options(defaults_);
  size_t total = 0;
  for (const ParamGroup& g : groups) total += g.params.size();
  TG_CHECK(total > 0, name_, ": got an empty parameter list");
  for (ParamGroup& g : groups) add_param_group(std::move(g));
}

void Optimizer::add_param_group(ParamGroup group) {
  for (const auto& [key, value] : group.options)
    TG_CHECK(defaults_.count(key), name_, ": unknown option '", key, "' in parameter group ",
             groups_.size());
  for (const auto& [key, value] : defaults_) group.options.emplace(key, value);
  check_options(group.options);
  std::set<const TensorImpl*> seen;
  for (const ParamGroup& g : groups_)
    for (const Tensor& p : g.params) seen.insert(p.impl_ptr().get());
  for (size_t i = 0; i < group.params.size(); ++i) {
    const Tensor& p = group.params[i];
    TG_CHECK(p.defined(), name_, ": parameter ", i, " of group ", groups_.size(),
             " is an undefined tensor");
    TG_CHECK(p.is_floating_point(), name_, ": ", describe(groups_.size(), i, p),
             " is not floating point");
    TG_CHECK(seen.insert(p.impl_ptr().get()).second, name_, ": ", describe(groups_.size(), i, p),
             " appears in more than one parameter group (or twice in one)");
  }
  groups_.push_back(std::move(group));
}

void Optimizer::zero_grad(bool set_to_none) {
  NoGradGuard no_grad;
  for (ParamGroup& g : groups_)
    for (Tensor& p : g.params) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      if (set_to_none || grad.is_sparse()) {
        p.set_grad(Tensor());
      } else {
        if (grad.grad_fn()) {  // a create_graph gradient: keep the graph alive elsewhere
          grad = grad.detach();
          p.set_grad(grad);
        }
        grad.zero_();
      }
    }
}

const ParamState* Optimizer::state(const Tensor& p) const {
  auto it = state_.find(p.impl_ptr().get());
  return it == state_.end() ? nullptr : &it->second;
}

ParamState& Optimizer::state_for(const Tensor& p, const ParamGroup& group) {
  auto it = state_.find(p.impl_ptr().get());
  if (it == state_.end()) {
    NoGradGuard no_grad;
    it = state_.emplace(p.impl_ptr().get(), init_state(p, group)).first;
  }
  return it->second;
}

std::string Optimizer::describe(size_t group_index, size_t param_index, const Tensor& p) {
  std::ostringstream os;
  os << "parameter " << param_index << " of group " << group_index << " (shape " << p.sizes()
     << ")";
  return os.str();
}

void Optimizer::require_dense(const Tensor& grad, size_t group_index, size_t param_index,
                              const Tensor& p, const std::string& why) const {
  if (!grad.is_sparse()) return;
  TG_THROW(name_, ": ", describe(group_index, param_index, p), " has a sparse gradient, which ",
           name_, why.empty() ? "" : " with ", why,
           " does not support; use SparseAdam, Adagrad or RowWiseAdagrad for sparse embeddings "
           "(or SGD without momentum and weight decay), or create the embedding with "
           "sparse=false");
}

// ---- state_dict ------------------------------------------------------------------------------

nn::StateDict Optimizer::state_dict() const {
  nn::StateDict dict;
  int64_t index = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const std::string prefix = "param_groups." + std::to_string(g) + ".";
    for (const auto& [key, value] : groups_[g].options)
      dict[prefix + key] = scalar_tensor(value, kFloat64);
    std::vector<int64_t> ids;
    for (const Tensor& p : groups_[g].params) {
      ids.push_back(index);
      if (const ParamState* s = state(p)) {
        const std::string sp = "state." + std::to_string(index) + ".";
        dict[sp + "step"] = scalar_tensor(s->step, kInt64);
        for (const auto& [name, t] : s->tensors) dict[sp + name] = t.detach().clone();
      }
      ++index;
    }
    dict[prefix + "params"] = from_vector<int64_t>(ids, DimVec{static_cast<int64_t>(ids.size())});
  }
  return dict;
}

namespace {

// "param_groups.3.lr" -> (3, "lr"); false when key does not start with prefix + a number + '.'.
bool split_key(const std::string& key, const std::string& prefix, int64_t& index,
               std::string& rest) {
  if (key.rfind(prefix, 0) != 0) return false;
  size_t pos = prefix.size(), end = key.find('.', pos);
  if (end == std::string::npos || end == pos) return false;
  index = 0;
  for (size_t i = pos; i < end; ++i) {
    if (key[i] < '0' || key[i] > '9' || index > (int64_t{1} << 40)) return false;
    index = index * 10 + (key[i] - '0');
  }
  rest = key.substr(end + 1);
  return !rest.empty();
}

double scalar_of(const std::string& key, const Tensor& t, const std::string& op) {
  TG_CHECK(!t.is_sparse() && t.numel() == 1, op, ": key '", key,
           "' must hold a single value, got shape ", t.sizes());
  return t.item<double>();
}

}  // namespace

void Optimizer::load_state_dict(const nn::StateDict& dict) {
  const std::string op = name_ + ".load_state_dict";
  std::map<int64_t, std::map<std::string, Tensor>> group_keys, state_keys;
  for (const auto& [key, t] : dict) {
    int64_t index = 0;
    std::string rest;
    if (split_key(key, "param_groups.", index, rest)) {
      group_keys[index][rest] = t;
    } else if (split_key(key, "state.", index, rest)) {
      state_keys[index][rest] = t;
    } else {
      TG_THROW(op, ": unexpected key '", key, "'");
    }
    TG_CHECK(t.defined(), op, ": key '", key, "' holds an undefined tensor");
  }
  TG_CHECK(group_keys.size() == groups_.size() &&
               (group_keys.empty() ||
                group_keys.rbegin()->first + 1 == static_cast<int64_t>(groups_.size())),
           op, ": the dict has ", group_keys.size(), " parameter groups but the optimizer has ",
           groups_.size());

  // Validate everything first, then commit, so a failed load leaves the optimizer unchanged.
  std::vector<Options> new_options(groups_.size());
  std::unordered_map<const TensorImpl*, ParamState> new_state;
  int64_t index = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const std::string prefix = "param_groups." + std::to_string(g) + ".";
    auto& keys = group_keys[static_cast<int64_t>(g)];
    const ParamGroup& group = groups_[g];
    auto ids_it = keys.find("params");
    TG_CHECK(ids_it != keys.end(), op, ": missing key '", prefix, "params'");
    const Tensor& ids = ids_it->second;
    TG_CHECK(!ids.is_sparse() && ids.dim() == 1 &&
                 ids.size(0) == static_cast<int64_t>(group.params.size()),
             op, ": key '", prefix, "params' lists ",
             ids.is_sparse() || ids.dim() != 1 ? -1 : ids.size(0), " parameters but group ", g,
             " has ", group.params.size());
    std::vector<int64_t> id_values = ids.to(kInt64).to_vector<int64_t>();
    for (size_t i = 0; i < id_values.size(); ++i)
      TG_CHECK(id_values[i] == index + static_cast<int64_t>(i), op, ": key '", prefix,
               "params' entry ", i, " is ", id_values[i], ", expected ",
               index + static_cast<int64_t>(i));
    for (const auto& [name, t] : keys) {
      if (name == "params") continue;
      TG_CHECK(defaults_.count(name), op, ": unexpected key '", prefix, name, "' (", name_,
               " has no option '", name, "')");
      new_options[g][name] = scalar_of(prefix + name, t, op);
    }
    for (const auto& [name, value] : defaults_)
      TG_CHECK(new_options[g].count(name), op, ": missing key '", prefix, name, "'");
    check_options(new_options[g]);

    ParamGroup loaded{{}, new_options[g]};
    for (size_t i = 0; i < group.params.size(); ++i, ++index) {
      auto it = state_keys.find(index);
      if (it == state_keys.end()) continue;
      const Tensor& p = group.params[i];
      const std::string sp = "state." + std::to_string(index) + ".";
      auto& saved = it->second;
      ParamState fresh;
      {
        NoGradGuard no_grad;
        fresh = init_state(p, loaded);
      }
      auto step_it = saved.find("step");
      TG_CHECK(step_it != saved.end(), op, ": missing key '", sp, "step'");
      double step = scalar_of(sp + "step", step_it->second, op);
      TG_CHECK(step >= 0 && step == static_cast<double>(static_cast<int64_t>(step)), op, ": key '",
               sp, "step' must be a non-negative integer, got ", step);
      fresh.step = static_cast<int64_t>(step);
      for (const auto& [name, t] : saved)
        TG_CHECK(name == "step" || fresh.tensors.count(name), op, ": unexpected key '", sp, name,
                 "' (", name_, " keeps no state '", name, "' with these options)");
      for (auto& [name, dst] : fresh.tensors) {
        auto src = saved.find(name);
        TG_CHECK(src != saved.end(), op, ": missing key '", sp, name, "'");
        TG_CHECK(!src->second.is_sparse() && src->second.sizes() == dst.sizes(), op, ": key '", sp,
                 name, "' has shape ", src->second.sizes(), " but ", describe(g, i, p), " needs ",
                 dst.sizes());
        NoGradGuard no_grad;
        dst.copy_(src->second.to(dst.dtype()).to(dst.device()));
      }
      new_state.emplace(p.impl_ptr().get(), std::move(fresh));
    }
  }
  for (const auto& [i, keys] : state_keys)
    TG_CHECK(i < index, op, ": unexpected key 'state.", i, ".", keys.begin()->first,
             "': the optimizer has only ", index, " parameters");

  for (size_t g = 0; g < groups_.size(); ++g) groups_[g].options = std::move(new_options[g]);
  state_ = std::move(new_state);
}

}  // namespace tg::optim
