// nn/module.h — tg::nn::Module: parameters, buffers and submodules with dotted names.
//
//   struct Mlp : tg::nn::Module {
//     std::shared_ptr<tg::nn::Linear> fc1, fc2;
//     Mlp() : Module("Mlp") {
//       fc1 = register_module("fc1", std::make_shared<tg::nn::Linear>(8, 4));
//       fc2 = register_module("fc2", std::make_shared<tg::nn::Linear>(4, 1));
//     }
//     tg::Tensor forward(const tg::Tensor& x) { return fc2->forward(tg::relu(fc1->forward(x))); }
//   };
//
// A parameter is a leaf Tensor that requires grad; a buffer is state that is saved but not
// trained (BatchNorm's running mean). Tensors held by a module keep their identity across
// to(device/dtype) and load_state_dict: the module updates them in place (Tensor::set_data), so
// member copies such as `weight` and optimizer references stay valid.
#pragma once

#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../tensor/tensor.h"

namespace tg::nn {

using StateDict = std::map<std::string, Tensor>;
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module : public std::enable_shared_from_this<Module> {
 public:
  explicit Module(std::string type_name = "Module") : type_name_(std::move(type_name)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // ---- registration ------------------------------------------------------------------------
  // Registers `t` as a parameter (made a leaf requiring grad) and returns it.
  Tensor register_parameter(const std::string& name, const Tensor& t, bool requires_grad = true);
  Tensor register_buffer(const std::string& name, const Tensor& t);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    add_child(name, m);
    return m;
  }

  // ---- traversal ---------------------------------------------------------------------------
  std::vector<Tensor> parameters(bool recurse = true) const;
  NamedTensors named_parameters(bool recurse = true) const;  // "fc1.weight", ...
  std::vector<Tensor> buffers(bool recurse = true) const;
  NamedTensors named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const;
  // This module and all descendants, depth first, with dotted names ("" for this one).
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_modules();
  int64_t num_parameters() const;  // total number of trainable elements

  // ---- mode, gradients, placement ------------------------------------------------------------
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  // Drops (set_to_none) or zeroes the .grad of every parameter.
  void zero_grad(bool set_to_none = true);
  // Moves / converts every parameter and buffer in place (floating tensors only for dtype).
  void to(Device device);
  void to(DType dtype);

  // ---- state -------------------------------------------------------------------------------
  // Parameters and buffers by dotted name (values share memory with the module's tensors).
  StateDict state_dict() const;
  // Copies values in. strict: every key must match exactly (missing and unexpected keys are
  // both errors); shapes must always match. Throws tg::Error listing the problems.
  void load_state_dict(const StateDict& state, bool strict = true);

  // ---- printing ----------------------------------------------------------------------------
  const std::string& type_name() const { return type_name_; }
  // One-line description of this module's own settings, e.g. "in_features=3, out_features=2".
  virtual std::string extra_repr() const { return ""; }
  // PyTorch-style tree: Mlp(\n  (fc1): Linear(in_features=8, out_features=4, bias=true)\n ...)
  std::string repr() const;

 protected:
  void add_child(const std::string& name, std::shared_ptr<Module> m);

 private:
  void collect(const std::string& prefix, bool params, bool recurse, NamedTensors& out) const;
  void check_new_name(const std::string& name) const;

  std::string type_name_;
  NamedTensors params_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

std::ostream& operator<<(std::ostream& os, const Module& m);

// A module with one tensor in and one tensor out: what Sequential chains.
class UnaryModule : public Module {
 public:
  using Module::Module;
  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }
};

}  // namespace tg::nn
