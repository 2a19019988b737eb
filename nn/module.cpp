// nn/module.cpp — Module bookkeeping.
#include "module.h"

#include <ostream>
#include <set>
#include <sstream>

#include "../autograd/grad_mode.h"

namespace tg::nn {

void Module::check_new_name(const std::string& name) const {
  TG_CHECK(!name.empty() && name.find('.') == std::string::npos, type_name_,
           ": invalid member name '", name, "' (must be non-empty and contain no '.')");
  for (auto& [n, t] : params_) TG_CHECK(n != name, type_name_, ": '", name, "' is already registered");
  for (auto& [n, t] : buffers_) TG_CHECK(n != name, type_name_, ": '", name, "' is already registered");
  for (auto& [n, m] : children_) TG_CHECK(n != name, type_name_, ": '", name, "' is already registered");
}

Tensor Module::register_parameter(const std::string& name, const Tensor& t, bool requires_grad) {
  check_new_name(name);
  TG_CHECK(t.defined(), type_name_, ": parameter '", name, "' is undefined");
  TG_CHECK(!requires_grad || t.is_floating_point(), type_name_, ": parameter '", name,
           "' must be floating point to require grad, got ", dtype_name(t.dtype()));
  Tensor p = t.is_leaf() ? t : t.detach();
  p.requires_grad_(requires_grad);
  params_.emplace_back(name, p);
  return p;
}

Tensor Module::register_buffer(const std::string& name, const Tensor& t) {
  check_new_name(name);
  TG_CHECK(t.defined(), type_name_, ": buffer '", name, "' is undefined");
  Tensor b = t.detach();
  buffers_.emplace_back(name, b);
  return b;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> m) {
  check_new_name(name);
  TG_CHECK(m != nullptr, type_name_, ": submodule '", name, "' is null");
  children_.emplace_back(name, std::move(m));
}

void Module::collect(const std::string& prefix, bool params, bool recurse, NamedTensors& out) const {
  for (auto& [n, t] : params ? params_ : buffers_) out.emplace_back(prefix + n, t);
  if (!recurse) return;
  for (auto& [n, m] : children_) m->collect(prefix + n + ".", params, true, out);
}

NamedTensors Module::named_parameters(bool recurse) const {
  NamedTensors out;
  collect("", true, recurse, out);
  // A tensor shared by two submodules (weight tying) is listed once, under its first name.
  std::set<const TensorImpl*> seen;
  NamedTensors unique;
  for (auto& nt : out)
    if (seen.insert(&nt.second.impl()).second) unique.push_back(nt);
  return unique;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters(recurse)) out.push_back(t);
  return out;
}

NamedTensors Module::named_buffers(bool recurse) const {
  NamedTensors out;
  collect("", false, recurse, out);
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_buffers(recurse)) out.push_back(t);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (auto& [n, m] : children_) out.push_back(m);
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_children() const {
  return children_;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_modules() {
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> out;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> stack{{"", shared_from_this()}};
  while (!stack.empty()) {
    auto [name, m] = stack.back();
    stack.pop_back();
    out.emplace_back(name, m);
    for (auto it = m->children_.rbegin(); it != m->children_.rend(); ++it)
      stack.emplace_back(name.empty() ? it->first : name + "." + it->first, it->second);
  }
  return out;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const Tensor& p : parameters())
    if (p.requires_grad()) n += p.numel();
  return n;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, m] : children_) m->train(on);
}

void Module::zero_grad(bool set_to_none) {
  NoGradGuard no_grad;
  for (Tensor& p : parameters()) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (set_to_none || g.is_sparse()) p.set_grad(Tensor());
    else g.zero_();
  }
}

void Module::to(Device device) {
  NoGradGuard no_grad;
  NamedTensors all;
  collect("", true, true, all);
  collect("", false, true, all);
  for (auto& [n, t] : all) {
    if (t.device() == device) continue;
    Tensor moved = t.to(device);
    t.impl().set_data(moved.impl());
    if (t.grad().defined()) t.set_grad(t.grad().to(device));
  }
}

void Module::to(DType dtype) {
  TG_CHECK(is_floating(dtype), type_name_, ".to: expected a floating dtype, got ",
           dtype_name(dtype));
  NoGradGuard no_grad;
  NamedTensors all;
  collect("", true, true, all);
  collect("", false, true, all);
  for (auto& [n, t] : all) {
    if (!t.is_floating_point() || t.dtype() == dtype) continue;
    Tensor conv = t.to(dtype);
    t.impl().set_data(conv.impl());
    t.set_grad(Tensor());
  }
}

StateDict Module::state_dict() const {
  StateDict out;
  NamedTensors all;
  collect("", true, true, all);
  collect("", false, true, all);
  for (auto& [n, t] : all) out.emplace(n, t.detach());
  return out;
}

void Module::load_state_dict(const StateDict& state, bool strict) {
  NamedTensors all;
  collect("", true, true, all);
  collect("", false, true, all);
  std::ostringstream problems;
  std::set<std::string> used;
  for (auto& [n, t] : all) {
    auto it = state.find(n);
    if (it == state.end()) {
      if (strict) problems << "\n  missing key: " << n;
      continue;
    }
    used.insert(n);
    const Tensor& src = it->second;
    if (!(src.sizes() == t.sizes())) {
      problems << "\n  size mismatch for " << n << ": checkpoint has " << src.sizes()
               << ", the module has " << t.sizes();
      continue;
    }
  }
  if (strict)
    for (auto& [n, t] : state)
      if (!used.count(n)) problems << "\n  unexpected key: " << n;
  std::string p = problems.str();
  TG_CHECK(p.empty(), type_name_, ".load_state_dict: the state does not match the module:", p);
  NoGradGuard no_grad;
  for (auto& [n, t] : all) {
    auto it = state.find(n);
    if (it != state.end()) t.copy_(it->second);
  }
}

std::string Module::repr() const {
  std::ostringstream os;
  os << type_name_ << '(';
  std::string extra = extra_repr();
  if (children_.empty()) {
    os << extra << ')';
    return os.str();
  }
  if (!extra.empty()) os << "\n  " << extra;
  for (auto& [n, m] : children_) {
    std::string child = m->repr();
    std::string indented;
    for (char c : child) indented += c == '\n' ? std::string("\n  ") : std::string(1, c);
    os << "\n  (" << n << "): " << indented;
  }
  os << "\n)";
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Module& m) { return os << m.repr(); }

}  // namespace tg::nn
