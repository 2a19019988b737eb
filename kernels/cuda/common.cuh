// kernels/cuda/common.cuh — what every CUDA source shares: error checks, the stream, launch
// shapes, and Offsets<N>, the strided N-operand indexer behind all elementwise-style kernels.
//
// All work goes to one stream per process: the legacy default stream. Kernels, cuBLAS calls and
// copies are therefore ordered with each other, which is also what lets the caching allocator hand
// a freed block to the next op at once (a later kernel cannot run before an earlier one that still
// reads the block). Not a public header.
#pragma once

#include <cstdint>

#include <cuda_runtime.h>

#include "../backend.h"
#include "launch_math.h"
#include "runtime.h"

namespace tg::kernels::cuda {

// Throws tg::Error "CUDA error <name> (<text>) in <call> at <file>:<line>".
[[noreturn]] void throw_cuda_error(int code, const char* call, const char* file, int line);

// The stream every op runs on (see the file comment).
inline cudaStream_t stream() {
  return nullptr;
}  // 0: the legacy default stream (no per-thread option)

}  // namespace tg::kernels::cuda

// TG_CUDA_CHECK(cudaMemcpy(...)) turns a failed CUDA runtime call into tg::Error.
#define TG_CUDA_CHECK(call)                                                                        \
  do {                                                                                             \
    const cudaError_t tg_err_ = (call);                                                            \
    if (tg_err_ != cudaSuccess) [[unlikely]]                                                       \
      ::tg::kernels::cuda::throw_cuda_error(static_cast<int>(tg_err_), #call, __FILE__, __LINE__); \
  } while (0)

// After a kernel launch: reports a bad launch configuration where it happened.
#define TG_CUDA_CHECK_LAUNCH() TG_CUDA_CHECK(cudaGetLastError())

#if defined(__CUDACC__)

namespace tg::kernels::cuda {

inline constexpr int kThreads = 256;  // blocks_for (launch_math.h) assumes this by default

#define TG_GRID_STRIDE(i, n)                                                             \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); \
       i += static_cast<int64_t>(blockDim.x) * gridDim.x)

// Element offsets of N operands sharing one shape, for a linear (row-major) index. Built like the
// CPU's StridedLoop: size-1 dims dropped, dims that are contiguous for every operand merged, so a
// contiguous tensor becomes one dim with stride 1 and costs no division.
template <int N>
struct Offsets {
  int ndim = 0;
  int64_t sizes[kMaxDims] = {};
  int64_t strides[N][kMaxDims] = {};  // elements

  __device__ __forceinline__ void get(int64_t i, int64_t (&off)[N]) const {
    if (ndim == 1) {
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] = i * strides[k][0];
      return;
    }
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      const int64_t q = i / sizes[d];
      const int64_t r = i - q * sizes[d];
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += r * strides[k][d];
      i = q;
    }
  }
};

// Offsets for operands ts (all of ts[0]'s shape; inputs may be stride-0 broadcasts).
template <int N>
Offsets<N> make_offsets(const Tensor* const (&ts)[N]) {
  Offsets<N> o;
  const Tensor& ref = *ts[0];
  for (int d = 0; d < ref.dim(); ++d) {
    if (ref.sizes()[d] == 1) continue;
    o.sizes[o.ndim] = ref.sizes()[d];
    for (int k = 0; k < N; ++k) o.strides[k][o.ndim] = ts[k]->strides()[d];
    ++o.ndim;
  }
  int w = 0;
  for (int d = 0; d < o.ndim; ++d) {
    if (w > 0) {
      bool ok = true;
      for (int k = 0; k < N && ok; ++k) ok = o.strides[k][w - 1] == o.strides[k][d] * o.sizes[d];
      if (ok) {
        o.sizes[w - 1] *= o.sizes[d];
        for (int k = 0; k < N; ++k) o.strides[k][w - 1] = o.strides[k][d];
        continue;
      }
    }
    o.sizes[w] = o.sizes[d];
    for (int k = 0; k < N; ++k) o.strides[k][w] = o.strides[k][d];
    ++w;
  }
  o.ndim = w;
  if (o.ndim == 0) {  // one element
    o.ndim = 1;
    o.sizes[0] = 1;
    for (int k = 0; k < N; ++k) o.strides[k][0] = 0;
  }
  return o;
}

// Same-width unsigned type for moving elements without knowing their dtype.
template <size_t kBytes>
struct Bits;
template <>
struct Bits<1> {
  using type = uint8_t;
};
template <>
struct Bits<4> {
  using type = uint32_t;
};
template <>
struct Bits<8> {
  using type = uint64_t;
};

// f.template operator()<U>() with U the unsigned type of t's element width.
template <class F>
void dispatch_width(DType t, F&& f) {
  switch (itemsize(t)) {
    case 1: f.template operator()<uint8_t>(); break;
    case 4: f.template operator()<uint32_t>(); break;
    case 8: f.template operator()<uint64_t>(); break;
    default: TG_INTERNAL_ASSERT(false, "unexpected element width");
  }
}

template <class T>
T* ptr(const Tensor& t) {
  return static_cast<T*>(t.data_ptr());
}

}  // namespace tg::kernels::cuda

#endif  // __CUDACC__
