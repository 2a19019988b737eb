// kernels/cpu/loops.h — strided N-operand iteration for elementwise kernels.
//
// All operands share one shape (inputs are pre-expanded with stride 0). Dimensions are coalesced
// where every operand is contiguous across them and size-1 dims dropped, so most calls end up 1-D.
// The callback receives base pointers and byte strides of a run along the innermost dim.
#pragma once

#include <array>
#include <cstdint>

#include "../../tensor/tensor.h"
#include "parallel.h"

namespace tg::kernels::cpu {

template <int N>
struct StridedLoop {
  int ndim = 0;                                   // after coalescing, outermost first
  int64_t sizes[kMaxDims] = {};
  int64_t strides[N][kMaxDims] = {};              // bytes
  std::array<char*, N> base{};
  int64_t numel = 1;

  explicit StridedLoop(const std::array<const Tensor*, N>& ts) {
    const Tensor& ref = *ts[0];
    numel = ref.numel();
    for (int k = 0; k < N; ++k) base[k] = static_cast<char*>(ts[k]->data_ptr());
    // Keep non-trivial dims.
    for (int d = 0; d < ref.dim(); ++d) {
      if (ref.sizes()[d] == 1) continue;
      sizes[ndim] = ref.sizes()[d];
      for (int k = 0; k < N; ++k)
        strides[k][ndim] = ts[k]->strides()[d] * static_cast<int64_t>(ts[k]->itemsize());
      ++ndim;
    }
    // Coalesce adjacent dims (outer d-1 into inner d) when contiguous for all operands.
    int w = 0;
    for (int d = 0; d < ndim; ++d) {
      if (w > 0) {
        bool ok = true;
        for (int k = 0; k < N && ok; ++k) ok = strides[k][w - 1] == strides[k][d] * sizes[d];
        if (ok) {
          sizes[w - 1] *= sizes[d];
          for (int k = 0; k < N; ++k) strides[k][w - 1] = strides[k][d];
          continue;
        }
      }
      sizes[w] = sizes[d];
      for (int k = 0; k < N; ++k) strides[k][w] = strides[k][d];
      ++w;
    }
    ndim = w;
    if (ndim == 0) {  // a single element
      ndim = 1;
      sizes[0] = 1;
      for (int k = 0; k < N; ++k) strides[k][0] = 0;
    }
  }

  int64_t inner_size() const { return sizes[ndim - 1]; }
  int64_t inner_stride(int k) const { return strides[k][ndim - 1]; }

  // f(ptrs, n): process n elements along the innermost dim starting at ptrs (stride inner_stride).
  template <class F>
  void run(F&& f, bool parallel = true) const {
    int64_t inner = inner_size();
    int64_t rows = numel / (inner > 0 ? inner : 1);
    if (numel == 0) return;
    int64_t grain = !parallel ? rows : inner >= kGrain ? 1 : (kGrain + inner - 1) / inner;
    parallel_for(rows, grain, [&](int64_t rb, int64_t re) {
      // Multi-index of row rb over the outer dims.
      int64_t idx[kMaxDims] = {};
      int64_t r = rb;
      for (int d = ndim - 2; d >= 0; --d) {
        idx[d] = r % sizes[d];
        r /= sizes[d];
      }
      std::array<char*, N> p;
      for (int k = 0; k < N; ++k) {
        p[k] = base[k];
        for (int d = 0; d < ndim - 1; ++d) p[k] += idx[d] * strides[k][d];
      }
      for (int64_t row = rb; row < re; ++row) {
        f(p, inner);
        // Advance the outer multi-index by one.
        for (int d = ndim - 2; d >= 0; --d) {
          for (int k = 0; k < N; ++k) p[k] += strides[k][d];
          if (++idx[d] < sizes[d]) break;
          for (int k = 0; k < N; ++k) p[k] -= strides[k][d] * sizes[d];
          idx[d] = 0;
        }
      }
    });
  }
};

}  // namespace tg::kernels::cpu
