// autograd/engine.cpp — the backward pass.
//
//  1. Discover: walk the graph from the roots with an explicit stack, counting for every node how
//     many edges point at it (its dependencies).
//  2. Execute: a node is ready once every edge into it has delivered its gradient. Ready nodes are
//     taken newest-first (highest sequence number), which keeps the frontier close to the
//     recorded order. Gradients arriving at the same input slot are summed ("a value used twice
//     gets the sum of both gradients").
//  3. Each node's outputs feed its next_edges; AccumulateGrad nodes write into leaves' .grad.
// No recursion anywhere, so graphs with millions of nodes are fine.
#include "engine.h"

#include <cmath>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "../tensor/ops.h"
#include "../tensor/sparse.h"
#include "grad_mode.h"
#include "record.h"

namespace tg::autograd {
namespace {

struct ReadyOrder {
  bool operator()(const std::shared_ptr<Node>& a, const std::shared_ptr<Node>& b) const {
    return a->sequence_nr() < b->sequence_nr();
  }
};

// Gradient capture target for autograd::grad: (node, input slot) -> index into the result.
struct Capture {
  Node* node;
  uint32_t slot;
  size_t index;
};

void check_finite(const Node& node, const Grads& outs) {
  for (size_t i = 0; i < outs.size(); ++i) {
    const Tensor g = outs[i].defined() && outs[i].is_sparse() ? outs[i].values() : outs[i];
    if (!g.defined() || !g.is_floating_point() || g.numel() == 0) continue;
    NoGradGuard ng;
    Tensor bad = logical_not(eq(sub(g, g), zeros({}, g.dtype(), g.device())));  // NaN or Inf
    if (bad.to(kInt64).sum().item<int64_t>() > 0) {
      bool has_nan = ne(g, g).to(kInt64).sum().item<int64_t>() > 0;
      TG_THROW("anomaly: function '", node.name(), "' returned ", (has_nan ? "nan" : "inf"),
               " values in its gradient for input ", i, " (shape ", g.sizes(), ").",
               node.creation_trace.empty()
                   ? std::string(" (no creation trace: the op was recorded outside DetectAnomalyGuard)")
                   : "\nThe forward op was created at:\n" + node.creation_trace);
    }
  }
}

void run(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs,
         bool retain_graph, bool create_graph, const std::vector<Capture>* captures,
         std::vector<Tensor>* captured) {
  TG_CHECK(!outputs.empty(), "backward: no outputs given");
  TG_CHECK(grad_outputs.empty() || grad_outputs.size() == outputs.size(), "backward: got ",
           grad_outputs.size(), " gradients for ", outputs.size(), " outputs");

  // Root edges and their seed gradients.
  std::vector<Edge> roots;
  std::vector<Tensor> seeds;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    TG_CHECK(out.defined(), "backward: output ", i, " is an undefined tensor");
    Edge e = gradient_edge(out);
    TG_CHECK(e.valid(), "backward: element ", i, " of the outputs does not require grad and has ",
             "no grad_fn (did you call requires_grad_() on the inputs, or run under NoGradGuard?)");
    Tensor seed = grad_outputs.empty() ? Tensor() : grad_outputs[i];
    if (!seed.defined()) {
      TG_CHECK(out.numel() == 1, "backward: grad can be implicitly created only for scalar ",
               "outputs; output ", i, " has shape ", out.sizes(), " (pass a gradient)");
      seed = ones(out.sizes(), out.dtype(), out.device());
    } else {
      TG_CHECK(seed.sizes() == out.sizes(), "backward: gradient of shape ", seed.sizes(),
               " does not match output ", i, " of shape ", out.sizes());
      TG_CHECK(seed.device() == out.device(), "backward: gradient is on ", seed.device().str(),
               " but output ", i, " is on ", out.device().str());
    }
    roots.push_back(e);
    seeds.push_back(seed);
  }

  // 1. Discover nodes and count dependencies.
  std::unordered_map<Node*, int> deps;
  std::vector<Node*> stack;
  std::unordered_set<Node*> seen;
  for (const Edge& e : roots)
    if (seen.insert(e.node.get()).second) stack.push_back(e.node.get());
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next_edges) {
      if (!e.valid()) continue;
      ++deps[e.node.get()];
      if (seen.insert(e.node.get()).second) stack.push_back(e.node.get());
    }
  }

  // For autograd::grad: only nodes that feed a capture target need to run. A target itself only
  // receives its gradient: running it would waste work, free its saved tensors and fail on them.
  std::unordered_set<Node*> needed;  // targets and the nodes that feed them
  std::unordered_set<Node*> to_run;  // the nodes that feed them
  std::unordered_map<Node*, std::vector<const Capture*>> capture_at;
  if (captures) {
    for (const Capture& c : *captures) capture_at[c.node].push_back(&c);
    // Reverse topological sweep: a node is needed if it is a target or feeds a needed node.
    std::unordered_map<Node*, int> remaining = deps;
    std::vector<Node*> order;
    std::vector<Node*> ready;
    for (const Edge& e : roots)
      if (remaining[e.node.get()] == 0) ready.push_back(e.node.get());
    std::unordered_set<Node*> queued(ready.begin(), ready.end());
    while (!ready.empty()) {
      Node* n = ready.back();
      ready.pop_back();
      order.push_back(n);
      for (const Edge& e : n->next_edges)
        if (e.valid() && --remaining[e.node.get()] == 0 && queued.insert(e.node.get()).second)
          ready.push_back(e.node.get());
    }
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      Node* n = *it;
      bool feeds = false;
      for (const Edge& e : n->next_edges)
        if (e.valid() && needed.count(e.node.get())) feeds = true;
      if (feeds) to_run.insert(n);
      if (feeds || capture_at.count(n)) needed.insert(n);
    }
  }

  // 2. Execute.
  std::unordered_map<Node*, Grads> buffers;
  auto deliver = [&](const Edge& e, Tensor g) {
    Grads& buf = buffers[e.node.get()];
    if (buf.empty()) buf.resize(std::max<size_t>(e.node->output_meta.size(), 1));
    Tensor& slot = buf[e.input_nr];
    if (!slot.defined()) slot = std::move(g);
    else if (slot.is_sparse() || g.is_sparse()) slot = sparse_add(slot, g);
    else slot = add(slot, g);
  };
  std::priority_queue<std::shared_ptr<Node>, std::vector<std::shared_ptr<Node>>, ReadyOrder> ready;
  for (size_t i = 0; i < roots.size(); ++i) deliver(roots[i], seeds[i]);
  for (const Edge& e : roots) {
    if (deps[e.node.get()] == 0) {
      deps[e.node.get()] = -1;  // queued once
      ready.push(e.node);
    }
  }

  GradMode::set_enabled(create_graph);  // restored by the caller's guard
  const bool anomaly = AnomalyMode::is_enabled();
  while (!ready.empty()) {
    std::shared_ptr<Node> node = ready.top();
    ready.pop();
    Grads grads = std::move(buffers[node.get()]);
    buffers.erase(node.get());
    if (grads.empty()) grads.resize(std::max<size_t>(node->output_meta.size(), 1));

    // Tensor hooks on this node's outputs run on the complete gradient.
    for (auto& [nr, hook] : node->pre_hooks) {
      if (nr < grads.size() && grads[nr].defined()) {
        Tensor r = hook(grads[nr]);
        if (r.defined()) grads[nr] = r;
      }
    }
    if (captures) {
      auto it = capture_at.find(node.get());
      if (it != capture_at.end()) {
        if (node->is_accumulate_grad() && grads[0].defined())  // a leaf's own hooks, as in backward
          grads[0] = static_cast<const AccumulateGrad&>(*node).run_hooks(std::move(grads[0]));
        for (const Capture* c : it->second) (*captured)[c->index] = grads[c->slot];
      }
    }

    bool any = false;
    for (const Tensor& g : grads) any = any || g.defined();
    bool execute = any && (!captures || to_run.count(node.get()));
    Grads outs;
    if (execute) {
      for (size_t i = 0; i < grads.size(); ++i)  // missing output gradients are zeros
        if (!grads[i].defined() && i < node->output_meta.size()) {
          const TensorMeta& m = node->output_meta[i];
          grads[i] = zeros(m.shape, m.dtype, m.device);
        }
      outs = node->apply(std::move(grads));
      if (anomaly) check_finite(*node, outs);
      if (!retain_graph) node->release_saved();
    }
    for (size_t i = 0; i < node->next_edges.size(); ++i) {
      const Edge& e = node->next_edges[i];
      if (!e.valid()) continue;
      if (i < outs.size() && outs[i].defined()) deliver(e, std::move(outs[i]));
      if (--deps[e.node.get()] == 0) {
        deps[e.node.get()] = -1;
        ready.push(e.node);
      }
    }
  }
}

}  // namespace

void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs,
              bool retain_graph, bool create_graph) {
  struct Restore {
    bool prev = GradMode::is_enabled();
    ~Restore() { GradMode::set_enabled(prev); }
  } restore;
  run(outputs, grad_outputs, retain_graph || create_graph, create_graph, nullptr, nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs,
                         std::optional<bool> retain_graph, bool create_graph, bool allow_unused) {
  struct Restore {
    bool prev = GradMode::is_enabled();
    ~Restore() { GradMode::set_enabled(prev); }
  } restore;
  std::vector<Capture> captures;
  std::vector<Edge> keep;  // keeps lazily created accumulators alive during the pass
  for (size_t i = 0; i < inputs.size(); ++i) {
    TG_CHECK(inputs[i].defined(), "grad: input ", i, " is an undefined tensor");
    Edge e = gradient_edge(inputs[i]);
    TG_CHECK(e.valid(), "grad: input ", i, " (shape ", inputs[i].sizes(),
             ") does not require grad");
    captures.push_back({e.node.get(), e.input_nr, i});
    keep.push_back(e);
  }
  std::vector<Tensor> result(inputs.size());
  run(outputs, grad_outputs, retain_graph.value_or(create_graph), create_graph, &captures, &result);
  for (size_t i = 0; i < result.size(); ++i) {
    TG_CHECK(result[i].defined() || allow_unused, "grad: input ", i,
             " was not used to compute the outputs (pass allow_unused=true to get an undefined "
             "gradient instead)");
    if (result[i].defined() && !(result[i].sizes() == inputs[i].sizes()))
      result[i] = sum_to(result[i], inputs[i].sizes());
  }
  return result;
}

}  // namespace tg::autograd
