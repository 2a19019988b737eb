// tensor/print.cpp — PyTorch-style printing:
//   tensor([[1., 2.],
//           [3., 4.]], dtype=float32, requires_grad=True)
// Large tensors (> 1000 elements) show the first and last 3 entries of each dim around "...".
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>
#include <vector>

#include "../autograd/node.h"
#include "tensor.h"

namespace tg {
namespace {

constexpr int64_t kThreshold = 1000;
constexpr int64_t kEdge = 3;

struct Formatter {
  DType dtype;
  bool int_mode = false;  // floats that are all whole numbers print as "3."
  bool sci = false;
  int width = 1;

  std::string fmt(double v) const {
    char buf[64];
    if (dtype == kBool) return v != 0 ? "True" : "False";
    if (dtype == kInt64) {
      std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
      return buf;
    }
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    if (sci) std::snprintf(buf, sizeof buf, "%.4e", v);
    else if (int_mode) std::snprintf(buf, sizeof buf, "%.0f.", v);
    else std::snprintf(buf, sizeof buf, "%.4f", v);
    return buf;
  }
};

// Values that will be shown (respecting summarisation), as doubles.
void collect(const Tensor& t, bool summarize, std::vector<double>& out) {
  if (t.dim() == 0) {
    out.push_back(t.item<double>());
    return;
  }
  int64_t n = t.size(0);
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * kEdge && i == kEdge) i = n - kEdge;
    collect(t.select(0, i), summarize, out);
  }
}

void render(std::ostream& os, const Tensor& t, const Formatter& f, bool summarize, int indent) {
  if (t.dim() == 0) {
    std::string s = f.fmt(t.item<double>());
    os << std::string(static_cast<size_t>(f.width) - std::min(s.size(), static_cast<size_t>(f.width)), ' ') << s;
    return;
  }
  os << '[';
  int64_t n = t.size(0);
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * kEdge && i == kEdge) {
      // PyTorch prints " ..." as one more 1-D element, and "..." as one more row otherwise.
      if (t.dim() == 1) os << " ..., ";
      else os << "...," << std::string(static_cast<size_t>(t.dim() - 1), '\n')
              << std::string(static_cast<size_t>(indent + 1), ' ');
      i = n - kEdge;
    }
    render(os, t.select(0, i), f, summarize, indent + 1);
    if (i + 1 < n) {
      if (t.dim() == 1) os << ", ";
      else os << ',' << std::string(static_cast<size_t>(t.dim() - 1), '\n')
              << std::string(static_cast<size_t>(indent + 1), ' ');
    }
  }
  os << ']';
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  if (!t.defined()) return os << "tensor(undefined)";
  if (t.is_sparse()) {
    os << "tensor(indices=" << t.indices() << ",\n       values=" << t.values() << ",\n       size=(";
    for (int i = 0; i < t.dim(); ++i) os << (i ? ", " : "") << t.size(i);
    return os << "), layout=sparse_rows)";
  }
  Tensor c = t.device().is_cpu() ? t : t.to(Device{kCPU});
  bool summarize = c.numel() > kThreshold;
  std::vector<double> vals;
  if (c.numel() > 0) collect(c, summarize, vals);
  Formatter f{c.dtype()};
  if (is_floating(c.dtype())) {
    double mx = 0, mn = INFINITY;
    bool all_int = true;
    for (double v : vals) {
      if (!std::isfinite(v)) continue;
      double a = std::fabs(v);
      mx = std::max(mx, a);
      if (a > 0) mn = std::min(mn, a);
      if (v != std::nearbyint(v)) all_int = false;
    }
    // PyTorch's rule: scientific when the nonzero finite magnitudes span more than 1e3 or exceed
    // 1e8 (whole numbers included), or when a non-integer one is below 1e-4.
    bool any = mn < INFINITY;
    f.sci = any && (mx / mn > 1e3 || mx > 1e8 || (!all_int && mn < 1e-4));
    f.int_mode = all_int && !f.sci;
  }
  // Like PyTorch, only nonzero finite values set the column width of a floating tensor (nan, inf
  // and zeros are padded to it but never widen it).
  for (double v : vals)
    if (!is_floating(c.dtype()) || (std::isfinite(v) && v != 0))
      f.width = std::max<int>(f.width, static_cast<int>(f.fmt(v).size()));
  os << "tensor(";
  if (c.numel() == 0 && c.dim() > 0) {
    os << "[]";
    if (c.dim() > 1) {  // like NumPy/PyTorch, the shape is shown unless it is (0,)
      os << ", size=(";
      for (int i = 0; i < c.dim(); ++i) os << (i ? ", " : "") << c.size(i);
      os << ")";
    }
  } else {
    render(os, c, f, summarize, 7);
  }
  if (!t.device().is_cpu()) os << ", device='" << t.device().str() << "'";
  os << ", dtype=" << dtype_name(t.dtype());
  if (auto fn = t.grad_fn()) os << ", grad_fn=<" << fn->name() << ">";
  else if (t.requires_grad()) os << ", requires_grad=True";
  return os << ')';
}

std::string Tensor::str() const {
  std::ostringstream os;
  os << *this;
  return os.str();
}

}  // namespace tg
