// autograd/node.cpp — Node lifetime, saved tensors, and the two node kinds every graph has.
#include "node.h"

#include <atomic>

#include "../tensor/ops.h"
#include "../tensor/sparse.h"
#include "grad_mode.h"
#include "meta.h"
#include "record.h"

namespace tg::autograd {
namespace {

std::atomic<uint64_t> next_sequence_nr{0};
thread_local Node* running_node = nullptr;

// Iterative graph destruction: a chain of 10^6 nodes freed recursively would overflow the stack,
// so a dying node hands the children it solely owns to a work list drained by the outermost call.
thread_local bool draining = false;
// At thread exit, thread_locals die in reverse order of construction: a cache constructed before
// this list (e.g. a thread_local holding a tensor with a graph) can release nodes after the list
// is gone. The flag is trivially destructible, so it stays readable until the thread ends, and
// such late nodes free their children recursively instead of touching the dead list.
thread_local bool doomed_destroyed = false;
struct DoomedNodes {
  std::vector<std::shared_ptr<Node>> list;
  ~DoomedNodes() { doomed_destroyed = true; }
};
thread_local DoomedNodes doomed;

}  // namespace

Node* current_node() { return running_node; }

CurrentNodeScope::CurrentNodeScope(Node* node) : prev_(running_node) { running_node = node; }
CurrentNodeScope::~CurrentNodeScope() { running_node = prev_; }

Node::Node() : sequence_nr_(next_sequence_nr.fetch_add(1, std::memory_order_relaxed)) {}

Node::~Node() {
  if (doomed_destroyed) return;  // thread exit, list gone: next_edges frees the children
  for (Edge& e : next_edges)
    if (e.node && e.node.use_count() == 1) doomed.list.push_back(std::move(e.node));
  if (draining) return;
  draining = true;
  while (!doomed.list.empty()) {
    std::shared_ptr<Node> n = std::move(doomed.list.back());
    doomed.list.pop_back();
    n.reset();  // its destructor appends its own solely-owned children
  }
  draining = false;
}

SavedTensor::SavedTensor(const Tensor& t, bool is_output) : is_output_(is_output) {
  if (!t.defined()) return;
  data_ = is_output ? t.detach() : t;
  version_ = t.impl().storage()->version();
  requires_grad_ = is_output || tensor_requires_grad(t);  // an output is saved before record() attaches its node
}

Tensor SavedTensor::unpack() const {
  if (!data_.defined()) return data_;
  uint64_t now = data_.impl().storage()->version();
  if (now != version_) {
    Node* n = current_node();
    TG_THROW("backward: a tensor of shape ", data_.sizes(), " saved by ",
             (n ? n->name() : std::string("an op")),
             " for backward has been modified by an in-place operation (its version is ", now,
             ", expected ", version_, "). Apply the in-place op to a clone, or before the op ",
             "that used the tensor.");
  }
  if (is_output_ && requires_grad_ && GradMode::is_enabled() && current_node()) {
    Tensor t = data_.detach();
    set_history(t, current_node()->shared_from_this(), 0);
    return t;
  }
  return data_;
}

Grads FunctionNode::apply(Grads&& grads) {
  TG_CHECK(formula_ != nullptr, "backward: trying to backward through the graph a second time ",
           "(the saved tensors of ", name_, " were already freed). Pass retain_graph=true to ",
           "the first backward call if you need to call backward twice.");
  CurrentNodeScope scope(this);
  Needs needs(next_edges.size());
  for (size_t i = 0; i < next_edges.size(); ++i) needs[i] = next_edges[i].valid();
  Grads out = formula_(grads[0], needs);
  TG_INTERNAL_ASSERT(out.size() == next_edges.size(), name_, " returned ", out.size(),
                     " gradients for ", next_edges.size(), " inputs");
  for (size_t i = 0; i < out.size(); ++i) {
    if (!needs[i] || !out[i].defined()) {
      out[i] = Tensor();
      continue;
    }
    const TensorMeta& m = input_meta[i];
    if (!(out[i].sizes() == m.shape)) out[i] = sum_to(out[i], m.shape);
    if (out[i].dtype() != m.dtype) out[i] = out[i].to(m.dtype);
  }
  return out;
}

AccumulateGrad::AccumulateGrad(Tensor leaf) : leaf_(std::move(leaf)) {
  input_meta.push_back({leaf_.sizes(), leaf_.dtype(), leaf_.device()});
  output_meta = input_meta;
}

Tensor AccumulateGrad::run_hooks(Tensor g) const {
  if (AutogradMeta* m = leaf_.impl().autograd_meta())
    for (auto& hook : m->hooks) {
      Tensor r = hook(g);
      if (r.defined()) g = std::move(r);
    }
  return g;
}

Grads AccumulateGrad::apply(Grads&& grads) {
  Tensor g = std::move(grads[0]);
  if (!g.defined()) return {};
  AutogradMeta& m = leaf_.impl().ensure_autograd_meta();
  g = run_hooks(std::move(g));
  TG_CHECK(g.sizes() == leaf_.sizes(), "backward: gradient of shape ", g.sizes(),
           " does not match the leaf's shape ", leaf_.sizes());
  if (g.dtype() != leaf_.dtype()) g = g.is_sparse() ? sparse_rows(g.indices(), g.values().to(leaf_.dtype()), g.sizes()) : g.to(leaf_.dtype());
  if (GradMode::is_enabled() && !g.is_sparse()) {  // create_graph: the gradient keeps its history
    m.grad = m.grad.defined() ? add(m.grad.to_dense(), g) : g;
    return {};
  }
  if (g.is_sparse()) {  // sparse-rows gradient: stays sparse unless .grad is already dense
    if (!m.grad.defined()) m.grad = g;
    else if (m.grad.is_sparse()) m.grad = sparse_add(m.grad, g);
    else add_sparse_(m.grad, g);
    return {};
  }
  if (m.grad.defined() && m.grad.is_sparse()) {  // dense arriving on a sparse .grad
    m.grad = sparse_add(g, m.grad);
    return {};
  }
  if (!m.grad.defined()) {
    // Steal the buffer when nothing else can see it; otherwise copy, since later accumulation
    // writes into .grad in place.
    bool exclusive = g.impl_ptr().use_count() == 1 && g.impl().storage().use_count() == 1 &&
                     g.is_contiguous() && !tensor_requires_grad(g);
    m.grad = exclusive ? g : g.detach().clone();
  } else if (tensor_requires_grad(m.grad)) {
    m.grad = add(m.grad, g);
  } else {
    m.grad.add_(g);
  }
  return {};
}

}  // namespace tg::autograd
