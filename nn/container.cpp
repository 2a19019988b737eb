// nn/container.cpp — Sequential, ModuleList, ModuleDict.
#include "container.h"

namespace tg::nn {

Sequential::Sequential(std::initializer_list<std::shared_ptr<UnaryModule>> modules)
    : UnaryModule("Sequential") {
  for (const auto& m : modules) push_back(m);
}

void Sequential::push_back(std::shared_ptr<UnaryModule> m) {
  add_child(std::to_string(modules_.size()), m);
  modules_.push_back(std::move(m));
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  for (const auto& m : modules_) h = m->forward(h);
  return h;
}

const std::shared_ptr<UnaryModule>& Sequential::operator[](size_t i) const {
  TG_CHECK(i < modules_.size(), "Sequential: index ", i, " is out of range for ", modules_.size(),
           " modules");
  return modules_[i];
}

ModuleList::ModuleList(std::initializer_list<std::shared_ptr<Module>> modules)
    : Module("ModuleList") {
  for (const auto& m : modules) push_back(m);
}

void ModuleList::push_back(std::shared_ptr<Module> m) {
  add_child(std::to_string(modules_.size()), m);
  modules_.push_back(std::move(m));
}

const std::shared_ptr<Module>& ModuleList::operator[](size_t i) const {
  TG_CHECK(i < modules_.size(), "ModuleList: index ", i, " is out of range for ", modules_.size(),
           " modules");
  return modules_[i];
}

void ModuleDict::insert(const std::string& key, std::shared_ptr<Module> m) {
  add_child(key, m);  // rejects duplicate and dotted keys
  items_.emplace_back(key, std::move(m));
}

bool ModuleDict::contains(const std::string& key) const {
  for (const auto& [k, m] : items_)
    if (k == key) return true;
  return false;
}

const std::shared_ptr<Module>& ModuleDict::operator[](const std::string& key) const {
  for (const auto& [k, m] : items_)
    if (k == key) return m;
  TG_THROW("ModuleDict: no module named '", key, "'");
}

std::vector<std::string> ModuleDict::keys() const {
  std::vector<std::string> out;
  for (const auto& [k, m] : items_) out.push_back(k);
  return out;
}

}  // namespace tg::nn
