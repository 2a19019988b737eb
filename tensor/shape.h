// tensor/shape.h — DimVec: sizes and strides stored inline (no heap), at most kMaxDims dims.
//
// Recommender workloads run many ops on small tensors, so a tensor's metadata must not allocate.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <vector>

#include "error.h"

namespace tg {

inline constexpr int kMaxDims = 8;

class DimVec {
 public:
  constexpr DimVec() = default;
  DimVec(std::initializer_list<int64_t> v) { assign(v.begin(), v.end()); }
  DimVec(const std::vector<int64_t>& v) { assign(v.begin(), v.end()); }  // NOLINT: implicit on purpose
  DimVec(int n, int64_t value) {
    check_size(n);
    n_ = static_cast<int8_t>(n);
    for (int i = 0; i < n; ++i) d_[i] = value;
  }

  int size() const { return n_; }
  bool empty() const { return n_ == 0; }
  int64_t& operator[](int i) { return d_[i]; }
  int64_t operator[](int i) const { return d_[i]; }
  int64_t* begin() { return d_; }
  int64_t* end() { return d_ + n_; }
  const int64_t* begin() const { return d_; }
  const int64_t* end() const { return d_ + n_; }
  const int64_t* data() const { return d_; }
  int64_t back() const { return d_[n_ - 1]; }

  void push_back(int64_t v) {
    check_size(n_ + 1);
    d_[n_++] = v;
  }
  void insert(int pos, int64_t v) {
    check_size(n_ + 1);
    for (int i = n_; i > pos; --i) d_[i] = d_[i - 1];
    d_[pos] = v;
    ++n_;
  }
  void erase(int pos) {
    for (int i = pos; i + 1 < n_; ++i) d_[i] = d_[i + 1];
    --n_;
  }
  void resize(int n, int64_t fill = 0) {
    check_size(n);
    for (int i = n_; i < n; ++i) d_[i] = fill;
    n_ = static_cast<int8_t>(n);
  }
  std::vector<int64_t> vec() const { return {begin(), end()}; }

  bool operator==(const DimVec& o) const {
    if (n_ != o.n_) return false;
    for (int i = 0; i < n_; ++i)
      if (d_[i] != o.d_[i]) return false;
    return true;
  }

 private:
  template <class It>
  void assign(It b, It e) {
    check_size(static_cast<int>(e - b));
    n_ = 0;
    for (; b != e; ++b) d_[n_++] = static_cast<int64_t>(*b);
  }
  static void check_size(int n) {
    TG_CHECK(n <= kMaxDims, "tensor: at most ", kMaxDims, " dimensions are supported, got ", n);
  }

  int64_t d_[kMaxDims] = {};
  int8_t n_ = 0;
};

using Shape = DimVec;

// Prints "[2, 3]".
std::ostream& operator<<(std::ostream& os, const DimVec& v);

namespace detail {
[[noreturn]] void throw_shape_too_large(const DimVec& s, const char* op);
}  // namespace detail

// Product of the sizes (1 for a 0-dim shape). Throws tg::Error naming `op` when the product of
// the non-zero sizes (what contiguous strides need, so also numel) does not fit in int64.
inline int64_t shape_numel(const DimVec& s, const char* op = "tensor") {
  int64_t n = 1, extent = 1;
  bool overflow = false;
  for (int64_t v : s) {
    overflow |= __builtin_mul_overflow(n, v, &n);
    overflow |= __builtin_mul_overflow(extent, v > 1 ? v : 1, &extent);
  }
  if (overflow) [[unlikely]] detail::throw_shape_too_large(s, op);
  return n;
}

// Row-major (C-order) strides for a shape, in elements (throws like shape_numel on overflow).
inline DimVec contiguous_strides(const DimVec& sizes) {
  DimVec st(sizes.size(), 1);
  int64_t acc = 1;
  for (int i = sizes.size() - 1; i >= 0; --i) {
    st[i] = acc;
    if (__builtin_mul_overflow(acc, sizes[i] > 1 ? sizes[i] : 1, &acc)) [[unlikely]]
      detail::throw_shape_too_large(sizes, "tensor");
  }
  return st;
}

// Normalises a possibly negative dim against ndim; throws naming the op when out of range.
inline int wrap_dim(int64_t dim, int ndim, const char* op) {
  int64_t n = ndim == 0 ? 1 : ndim;  // 0-dim tensors accept dim 0 / -1 like PyTorch
  TG_CHECK(dim >= -n && dim < n, op, ": dim ", dim, " is out of range for a tensor with ", ndim,
           " dimension(s) (expected in [", -n, ", ", n - 1, "])");
  return static_cast<int>(dim < 0 ? dim + n : dim);
}

// Broadcast two shapes by NumPy rules; throws naming the op when they are incompatible.
DimVec broadcast_shapes(const DimVec& a, const DimVec& b, const char* op);

}  // namespace tg
