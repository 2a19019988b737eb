// autograd/graph_print.cpp — print_tape and to_dot.
#include "graph_print.h"

#include <algorithm>
#include <sstream>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "meta.h"
#include "node.h"

namespace tg::autograd {
namespace {

std::string shape_str(const DimVec& s) {
  std::ostringstream os;
  os << s;
  return os.str();
}

const char* short_dtype(DType t) {
  switch (t) {
    case DType::Float32: return "f32";
    case DType::Float64: return "f64";
    case DType::Int64: return "i64";
    case DType::Bool: return "bool";
  }
  return "?";
}

std::string leaf_label(const AccumulateGrad& acc) {
  const Tensor& leaf = acc.leaf();
  std::string name = leaf.name();
  return (name.empty() ? std::string("leaf") : "leaf \"" + name + "\"") + " " +
         shape_str(leaf.sizes());
}

// Text inside a DOT label="...": quotes and backslashes escaped.
std::string dot_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// Nodes reachable from root, in the order the engine would run them (dependency order,
// newest first among the ready ones).
std::vector<Node*> backward_order(Node* root) {
  std::unordered_map<Node*, int> deps;
  std::vector<Node*> stack{root};
  std::unordered_set<Node*> seen{root};
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next_edges) {
      if (!e.valid()) continue;
      ++deps[e.node.get()];
      if (seen.insert(e.node.get()).second) stack.push_back(e.node.get());
    }
  }
  auto newer = [](Node* a, Node* b) { return a->sequence_nr() < b->sequence_nr(); };
  std::vector<Node*> ready{root}, order;
  while (!ready.empty()) {
    std::pop_heap(ready.begin(), ready.end(), newer);
    Node* n = ready.back();
    ready.pop_back();
    order.push_back(n);
    for (const Edge& e : n->next_edges)
      if (e.valid() && --deps[e.node.get()] == 0) {
        ready.push_back(e.node.get());
        std::push_heap(ready.begin(), ready.end(), newer);
      }
  }
  return order;
}

}  // namespace

std::string print_tape(const Tensor& root) {
  std::ostringstream os;
  if (!root.grad_fn()) {
    os << "(no tape: the tensor " << (root.requires_grad() ? "is a leaf" : "does not require grad")
       << ")\n";
    return os.str();
  }
  std::vector<Node*> order = backward_order(root.grad_fn().get());
  std::unordered_map<Node*, size_t> id;
  for (size_t i = 0; i < order.size(); ++i) id[order[i]] = i;
  for (size_t i = 0; i < order.size(); ++i) {
    Node* n = order[i];
    os << "[" << i << "] ";
    if (n->is_accumulate_grad()) {
      os << "AccumulateGrad into " << leaf_label(*static_cast<AccumulateGrad*>(n)) << "\n";
      continue;
    }
    os << n->name() << "  out " << shape_str(n->output_meta.empty() ? DimVec{} : n->output_meta[0].shape);
    if (!n->saved_info.empty()) {
      os << "  saved";
      for (const SavedInfo& s : n->saved_info)
        os << " " << shape_str(s.shape) << short_dtype(s.dtype) << (s.is_output ? "(out)" : "");
    }
    os << "  ->";
    for (size_t k = 0; k < n->next_edges.size(); ++k) {
      const Edge& e = n->next_edges[k];
      if (!e.valid()) os << " (no grad)";
      else os << " [" << id[e.node.get()] << "]";
    }
    os << "\n";
  }
  return os.str();
}

std::string to_dot(const Tensor& root) {
  std::ostringstream os;
  os << "digraph tapegrad {\n  rankdir=TB;\n  node [fontname=\"Helvetica\", fontsize=10];\n";
  os << "  out [label=\"output " << shape_str(root.sizes()) << " " << short_dtype(root.dtype())
     << "\", shape=ellipse, style=filled, fillcolor=\"#cde8ff\"];\n";
  if (!root.grad_fn()) {
    os << "}\n";
    return os.str();
  }
  std::vector<Node*> order = backward_order(root.grad_fn().get());
  std::unordered_map<Node*, size_t> id;
  for (size_t i = 0; i < order.size(); ++i) id[order[i]] = i;
  for (size_t i = 0; i < order.size(); ++i) {
    Node* n = order[i];
    if (n->is_accumulate_grad()) {
      auto* acc = static_cast<AccumulateGrad*>(n);
      Tensor g = acc->leaf().grad();
      os << "  n" << i << " [label=\"" << dot_escape(leaf_label(*acc)) << "\\n"
         << (g.defined() ? "grad " + shape_str(g.sizes()) : std::string("no grad yet"))
         << "\", shape=box, style=filled, fillcolor=\"#d5f5d5\"];\n";
      continue;
    }
    os << "  n" << i << " [label=\"" << dot_escape(n->name());
    for (const SavedInfo& s : n->saved_info)
      os << "\\nsaved " << shape_str(s.shape) << " " << short_dtype(s.dtype)
         << (s.is_output ? " (output)" : "");
    os << "\", shape=box, style=filled, fillcolor=\"#f2f2f2\"];\n";
  }
  os << "  out -> n0;\n";
  for (size_t i = 0; i < order.size(); ++i) {
    Node* n = order[i];
    for (size_t k = 0; k < n->next_edges.size(); ++k) {
      const Edge& e = n->next_edges[k];
      if (!e.valid()) continue;
      os << "  n" << i << " -> n" << id[e.node.get()] << " [label=\""
         << shape_str(k < n->input_meta.size() ? n->input_meta[k].shape : DimVec{}) << "\"];\n";
    }
  }
  os << "}\n";
  return os.str();
}

}  // namespace tg::autograd
