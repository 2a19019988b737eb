// tensor/shape.cpp — shape printing and broadcasting.
#include "shape.h"

#include <ostream>

namespace tg {

std::ostream& operator<<(std::ostream& os, const DimVec& v) {
  os << '[';
  for (int i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  return os << ']';
}

void detail::throw_shape_too_large(const DimVec& s, const char* op) {
  TG_THROW(op, ": shape ", s,
           " has too many elements (the product of its non-zero sizes overflows int64)");
}

DimVec broadcast_shapes(const DimVec& a, const DimVec& b, const char* op) {
  if (a == b) return a;
  int n = a.size() > b.size() ? a.size() : b.size();
  DimVec out(n, 1);
  for (int i = 0; i < n; ++i) {
    int ia = a.size() - n + i, ib = b.size() - n + i;
    int64_t sa = ia >= 0 ? a[ia] : 1, sb = ib >= 0 ? b[ib] : 1;
    TG_CHECK(sa == sb || sa == 1 || sb == 1, op, ": shapes ", a, " and ", b,
             " cannot be broadcast together (dimension ", i, ": ", sa, " vs ", sb, ")");
    out[i] = sa == 1 ? sb : sa;
  }
  return out;
}

}  // namespace tg
