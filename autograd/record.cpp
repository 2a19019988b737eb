// autograd/record.cpp — attaching nodes to outputs, saving tensors, gradient edges.
#include "record.h"

#include <cxxabi.h>
#include <execinfo.h>

#include <cstdlib>
#include <sstream>

#include "../tensor/ops.h"

namespace tg::autograd {
namespace {

thread_local std::vector<SavedInfo> pending_saved;

std::string capture_stack() {
  void* frames[32];
  int n = ::backtrace(frames, 32);
  char** symbols = ::backtrace_symbols(frames, n);
  std::ostringstream os;
  for (int i = 2; i < n && symbols; ++i) {  // skip capture_stack and record
    std::string line = symbols[i];
    size_t b = line.find('('), p = line.find('+', b);
    if (b != std::string::npos && p != std::string::npos && p > b + 1) {
      std::string mangled = line.substr(b + 1, p - b - 1);
      int status = 0;
      char* dem = abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status);
      if (status == 0 && dem) line = line.substr(0, b + 1) + dem + line.substr(p);
      std::free(dem);
    }
    os << "    #" << i - 2 << " " << line << "\n";
  }
  std::free(symbols);
  return os.str();
}

}  // namespace

bool any_requires_grad(const std::vector<Tensor>& ts) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor& t : ts)
    if (tensor_requires_grad(t)) return true;
  return false;
}

SavedTensor save(const Tensor& t) {
  if (t.defined()) pending_saved.push_back({t.sizes(), t.dtype(), false});
  return SavedTensor(t, false);
}

SavedTensor save_output(const Tensor& t) {
  if (t.defined()) pending_saved.push_back({t.sizes(), t.dtype(), true});
  return SavedTensor(t, true);
}

void set_history(const Tensor& out, const std::shared_ptr<Node>& node, uint32_t output_nr) {
  AutogradMeta& m = out.impl().ensure_autograd_meta();
  m.grad_fn = node;
  m.output_nr = output_nr;
}

Edge gradient_edge(const Tensor& t) {
  if (!t.defined()) return {};
  AutogradMeta* m = t.impl().autograd_meta();
  if (!m) return {};
  if (m->grad_fn) return {m->grad_fn, m->output_nr};
  if (!m->requires_grad) return {};
  std::shared_ptr<Node> acc = m->grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(t);
    m->grad_accumulator = acc;
  }
  return {acc, 0};
}

namespace {

template <class Range>
void record_impl(const char* name, const Tensor& out, const Range& inputs,
                 FunctionNode::Formula formula) {
  auto node = std::make_shared<FunctionNode>(name, std::move(formula));
  size_t n = inputs.size();
  node->next_edges.reserve(n);
  node->input_meta.reserve(n);
  for (const Tensor& t : inputs) {
    node->next_edges.push_back(gradient_edge(t));
    if (t.defined()) node->input_meta.push_back({t.sizes(), t.dtype(), t.device()});
    else node->input_meta.push_back({});
  }
  node->output_meta.push_back({out.sizes(), out.dtype(), out.device()});
  node->saved_info.swap(pending_saved);
  pending_saved.clear();
  if (AnomalyMode::is_enabled()) node->creation_trace = capture_stack();
  set_history(out, node, 0);
}

}  // namespace

void record(const char* name, const Tensor& out, std::initializer_list<Tensor> inputs,
            FunctionNode::Formula formula) {
  record_impl(name, out, inputs, std::move(formula));
}

void record(const char* name, const Tensor& out, const std::vector<Tensor>& inputs,
            FunctionNode::Formula formula) {
  record_impl(name, out, inputs, std::move(formula));
}

Tensor sum_to(const Tensor& g, const DimVec& shape) {
  if (g.sizes() == shape) return g;
  int lead = g.dim() - shape.size();
  TG_INTERNAL_ASSERT(lead >= 0, "gradient of shape ", g.sizes(), " cannot be summed to ", shape);
  DimVec dims;
  for (int i = 0; i < lead; ++i) dims.push_back(i);
  for (int i = 0; i < shape.size(); ++i) {
    TG_INTERNAL_ASSERT(shape[i] == g.size(lead + i) || shape[i] == 1, "gradient of shape ",
                       g.sizes(), " cannot be summed to ", shape);
    if (shape[i] == 1 && g.size(lead + i) != 1) dims.push_back(lead + i);
  }
  Tensor r = dims.empty() ? g : sum(g, dims, /*keepdim=*/true);
  return r.reshape(shape);
}

}  // namespace tg::autograd
