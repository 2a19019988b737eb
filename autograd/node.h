// autograd/node.h — the recorded graph.
//
// Every differentiable op that runs while grad mode is on and sees an input that requires grad
// creates one Node. The Node keeps
//   - next_edges: for each input, where that input's gradient goes (the input's own grad_fn, or
//     the AccumulateGrad node of a leaf); an invalid edge means "this input needs no gradient";
//   - whatever the backward formula needs (SavedTensor), checked against version counters;
//   - the shapes of its inputs, so gradients of broadcast inputs are summed back to shape.
// The output tensor points back to its Node through AutogradMeta::grad_fn. Nothing else links
// the graph, so it lives exactly as long as some tensor (or another Node) refers to it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../tensor/tensor.h"

namespace tg::autograd {

class Node;
using Grads = std::vector<Tensor>;

// Where a gradient flows: input slot `input_nr` of `node`.
struct Edge {
  std::shared_ptr<Node> node;
  uint32_t input_nr = 0;
  bool valid() const { return node != nullptr; }
};

// Shape/dtype/device of a tensor the node must produce or consume a gradient for.
struct TensorMeta {
  DimVec shape;
  DType dtype = kFloat32;
  Device device;
};

// Description of a saved tensor, kept for printing the graph (to_dot) only.
struct SavedInfo {
  DimVec shape;
  DType dtype = kFloat32;
  bool is_output = false;
};

// A tensor stored for backward, with the storage version it had when saved. unpack() throws if
// an in-place op changed it since. Outputs are stored without their grad_fn (that would be a
// reference cycle node -> output -> node) and re-attached to the owning node on unpack, so that
// create_graph can differentiate through them.
class SavedTensor {
 public:
  SavedTensor() = default;
  SavedTensor(const Tensor& t, bool is_output);
  bool defined() const { return data_.defined(); }
  Tensor unpack() const;

 private:
  Tensor data_;
  uint64_t version_ = 0;
  bool is_output_ = false;
  bool requires_grad_ = false;
};

class Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Name shown in grad_fn=<...> and in graph exports, e.g. "MulBackward0".
  virtual std::string name() const = 0;
  // Gradients w.r.t. this node's outputs in, gradients w.r.t. its inputs (next_edges order) out.
  virtual Grads apply(Grads&& grads) = 0;
  // Frees saved tensors after backward unless retain_graph; apply() afterwards throws.
  virtual void release_saved() {}
  virtual bool is_accumulate_grad() const { return false; }

  uint64_t sequence_nr() const { return sequence_nr_; }

  std::vector<Edge> next_edges;
  std::vector<TensorMeta> input_meta;   // one per next_edge: the forward input's metadata
  std::vector<TensorMeta> output_meta;  // one per forward output
  std::vector<SavedInfo> saved_info;
  std::string creation_trace;           // filled in anomaly mode
  // Hooks on this node's output gradients (registered through Tensor::register_hook).
  std::vector<std::pair<uint32_t, std::function<Tensor(const Tensor&)>>> pre_hooks;

 private:
  uint64_t sequence_nr_;
};

// A node whose backward formula is a lambda written next to the op's forward (functions/*.cpp).
class FunctionNode final : public Node {
 public:
  using Needs = std::vector<bool>;
  using Formula = std::function<Grads(const Tensor& grad, const Needs& needs)>;

  FunctionNode(const char* name, Formula formula) : name_(name), formula_(std::move(formula)) {}
  std::string name() const override { return name_; }
  Grads apply(Grads&& grads) override;
  void release_saved() override { formula_ = nullptr; }

 private:
  const char* name_;
  Formula formula_;
};

// The sink for a leaf tensor: adds incoming gradients into the leaf's .grad.
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(Tensor leaf);
  std::string name() const override { return "AccumulateGrad"; }
  Grads apply(Grads&& grads) override;
  bool is_accumulate_grad() const override { return true; }
  const Tensor& leaf() const { return leaf_; }
  // The leaf's register_hook hooks applied to g (also used by autograd::grad, which captures
  // a leaf's gradient without running this node).
  Tensor run_hooks(Tensor g) const;

 private:
  Tensor leaf_;
};

// The node currently running backward on this thread (for SavedTensor::unpack of outputs).
Node* current_node();

// Marks `node` as the one running backward for the scope (nodes' apply() use it).
class CurrentNodeScope {
 public:
  explicit CurrentNodeScope(Node* node);
  ~CurrentNodeScope();
  CurrentNodeScope(const CurrentNodeScope&) = delete;
  CurrentNodeScope& operator=(const CurrentNodeScope&) = delete;

 private:
  Node* prev_;
};

}  // namespace tg::autograd
