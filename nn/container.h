// nn/container.h — Sequential, ModuleList and ModuleDict: modules that hold modules.
//
// Children are registered under their position ("0", "1", ...) or key, so parameters get dotted
// names such as "0.weight" or "user.weight", and the printout lists them as (0): Linear(...).
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "module.h"

namespace tg::nn {

// Chains unary modules: forward(x) = m[n-1](...m[1](m[0](x))).
class Sequential : public UnaryModule {
 public:
  Sequential() : UnaryModule("Sequential") {}
  Sequential(std::initializer_list<std::shared_ptr<UnaryModule>> modules);
  void push_back(std::shared_ptr<UnaryModule> m);
  Tensor forward(const Tensor& x) override;
  const std::shared_ptr<UnaryModule>& operator[](size_t i) const;
  size_t size() const { return modules_.size(); }
  bool empty() const { return modules_.empty(); }
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

 private:
  std::vector<std::shared_ptr<UnaryModule>> modules_;
};

// A list of modules of any kind, indexed like a vector (it has no forward of its own).
class ModuleList : public Module {
 public:
  ModuleList() : Module("ModuleList") {}
  ModuleList(std::initializer_list<std::shared_ptr<Module>> modules);
  void push_back(std::shared_ptr<Module> m);
  const std::shared_ptr<Module>& operator[](size_t i) const;
  // The i-th module as its concrete type (throws if it is not an M).
  template <class M>
  std::shared_ptr<M> at(size_t i) const {
    auto m = std::dynamic_pointer_cast<M>((*this)[i]);
    TG_CHECK(m != nullptr, "ModuleList: module ", i, " is a ", (*this)[i]->type_name(),
             ", not the requested type");
    return m;
  }
  size_t size() const { return modules_.size(); }
  bool empty() const { return modules_.empty(); }
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

 private:
  std::vector<std::shared_ptr<Module>> modules_;
};

// Modules by name, kept in insertion order (it has no forward of its own).
class ModuleDict : public Module {
 public:
  ModuleDict() : Module("ModuleDict") {}
  void insert(const std::string& key, std::shared_ptr<Module> m);
  bool contains(const std::string& key) const;
  const std::shared_ptr<Module>& operator[](const std::string& key) const;
  template <class M>
  std::shared_ptr<M> at(const std::string& key) const {
    auto m = std::dynamic_pointer_cast<M>((*this)[key]);
    TG_CHECK(m != nullptr, "ModuleDict: module '", key, "' is a ", (*this)[key]->type_name(),
             ", not the requested type");
    return m;
  }
  std::vector<std::string> keys() const;
  size_t size() const { return items_.size(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 private:
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> items_;
};

}  // namespace tg::nn
