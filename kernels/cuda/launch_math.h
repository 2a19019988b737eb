// kernels/cuda/launch_math.h — the host-side arithmetic of the CUDA backend: launch shapes, the
// caching allocator's size classes, how a long row is split, and how a strided matrix maps onto
// cuBLAS's column-major arguments. Plain C++ (no CUDA header), all inline, so that
// tests/cuda/test_cuda_host.cpp checks it on machines without a GPU. Not a public header.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace tg::kernels::cuda {

// Blocks for a grid-stride loop over n items with `threads` per block: enough to fill the GPU,
// capped at 65,536 (well under gridDim.x's 2^31 - 1; the loops cover the rest), at least 1.
inline unsigned blocks_for(int64_t n, int threads = 256) {
  int64_t b = n / threads + (n % threads != 0);
  if (b < 1) b = 1;
  if (b > 65536) b = 65536;
  return static_cast<unsigned>(b);
}

// Elements per block when a row is split among several blocks (reductions, argmax/argmin).
inline constexpr int64_t kRowChunk = 32768;

// Pieces each of `rows` rows of length R is cut into: more than one only when there are too few
// rows to fill the GPU and the rows are long. Depends only on the shape (deterministic results).
inline int64_t row_chunks(int64_t rows, int64_t R) {
  return (rows < 256 && R > 2 * kRowChunk) ? (R + kRowChunk - 1) / kRowChunk : 1;
}

// The caching allocator's size class of an n-byte request: multiples of 512 B up to 1 MiB, then
// quarter steps between powers of two (at most 25% waste). Never 0.
inline size_t size_class(size_t n) {
  constexpr size_t kSmallLimit = size_t{1} << 20, kSmallRound = 512;
  if (n <= kSmallLimit)
    return (std::max<size_t>(n, 1) + kSmallRound - 1) / kSmallRound * kSmallRound;
  const size_t top = size_t{1} << (63 - __builtin_clzll(n));  // largest power of two <= n
  const size_t step = top / 4;
  return (n + step - 1) / step * step;
}

// A row-major matrix operand [rows, cols] with element strides (row_stride, col_stride), as
// cuBLAS (column-major) can take it: kRowMajor — unit column stride, passed untransposed with
// leading dimension ld (>= cols); kColMajor — unit row stride (a transposed view), passed with
// CUBLAS_OP_T and ld >= rows; kCopy — neither (or rows that overlap, as in an expanded view):
// copy it contiguous first (then kRowMajor with ld = cols). ld is never below 1.
struct GemmOperand {
  enum Kind { kRowMajor, kColMajor, kCopy } kind;
  int64_t ld;
};
inline GemmOperand gemm_operand(int64_t rows, int64_t cols, int64_t row_stride,
                                int64_t col_stride) {
  if (col_stride == 1 && (rows <= 1 || row_stride >= cols))
    return {GemmOperand::kRowMajor,
            rows <= 1 ? std::max<int64_t>(cols, 1) : std::max<int64_t>(row_stride, 1)};
  if (row_stride == 1 && (cols <= 1 || col_stride >= rows))
    return {GemmOperand::kColMajor,
            cols <= 1 ? std::max<int64_t>(rows, 1) : std::max<int64_t>(col_stride, 1)};
  return {GemmOperand::kCopy, std::max<int64_t>(cols, 1)};
}

}  // namespace tg::kernels::cuda
