// kernels/cuda/reduce.cu — sum/prod/max/min, argmax/argmin and softmax on the GPU.
//
// As on the CPU, x is brought to a contiguous [A, R, B] (R reduced; reduced dims that are not one
// block in x's order are permuted last and copied once). B == 1: one block per row, threads stride
// along the row and combine with warp shuffles; a long row is cut into fixed chunks whose partials
// a second pass combines. B > 1: one thread per output column walks R in order (coalesced across
// columns); when there are too few columns to fill the GPU the tensor is transposed to B == 1.
// Every split depends only on the shape, so results are the same from run to run (deterministic).
// float sums accumulate in double. Max/min and argmax/argmin follow the CPU rules: NaN wins and
// sticks; argmax/argmin keep the first index among equal values (and the first NaN).
#include <cuda/std/limits>

#include "common.cuh"
#include "cuda_kernels.h"

namespace tg::kernels::cuda {
namespace {

template <class T>
struct AccOf {
  using type = T;
};
template <>
struct AccOf<float> {
  using type = double;
};

template <class T>
__device__ __forceinline__ bool is_nan_(T v) {
  if constexpr (std::is_floating_point_v<T>) return v != v;
  else return false;
}

template <class T>
__device__ __forceinline__ T lowest_() {
  if constexpr (std::is_floating_point_v<T>) return -::cuda::std::numeric_limits<T>::infinity();
  else return ::cuda::std::numeric_limits<T>::lowest();
}
template <class T>
__device__ __forceinline__ T highest_() {
  if constexpr (std::is_floating_point_v<T>) return ::cuda::std::numeric_limits<T>::infinity();
  else return ::cuda::std::numeric_limits<T>::max();
}

// Reduction ops: init, step (accumulator with an element), merge (two accumulators).
template <class T>
struct SumOp {
  using Acc = typename AccOf<T>::type;
  static __device__ Acc init() { return Acc(0); }
  static __device__ Acc step(Acc a, T v) { return a + static_cast<Acc>(v); }
  static __device__ Acc merge(Acc a, Acc b) { return a + b; }
};
template <class T>
struct ProdOp {
  using Acc = typename AccOf<T>::type;
  static __device__ Acc init() { return Acc(1); }
  static __device__ Acc step(Acc a, T v) { return a * static_cast<Acc>(v); }
  static __device__ Acc merge(Acc a, Acc b) { return a * b; }
};
// Take v when better or NaN; a NaN accumulator is never replaced (v > NaN is false).
template <class T>
struct MaxOp {
  using Acc = T;
  static __device__ Acc init() { return lowest_<T>(); }
  static __device__ Acc step(Acc a, T v) { return (v > a || is_nan_(v)) ? v : a; }
  static __device__ Acc merge(Acc a, Acc b) { return step(a, b); }
};
template <class T>
struct MinOp {
  using Acc = T;
  static __device__ Acc init() { return highest_<T>(); }
  static __device__ Acc step(Acc a, T v) { return (v < a || is_nan_(v)) ? v : a; }
  static __device__ Acc merge(Acc a, Acc b) { return step(a, b); }
};

template <class T>
__device__ __forceinline__ T shfl_down(T v, int offset) {
  if constexpr (std::is_same_v<T, bool>)
    return __shfl_down_sync(0xffffffffu, static_cast<int>(v), offset) != 0;
  else if constexpr (std::is_same_v<T, int64_t>)
    return static_cast<int64_t>(__shfl_down_sync(0xffffffffu, static_cast<long long>(v), offset));
  else return __shfl_down_sync(0xffffffffu, v, offset);
}

// The block-wide combination of every thread's v (blockDim.x a multiple of 32, at most 1024),
// returned to all threads. Fixed shuffle tree: the same bits on every run.
template <class Acc, class Merge>
__device__ Acc block_reduce(Acc v, Acc identity, Merge merge) {
  __shared__ Acc warp_part[32];
  __shared__ Acc result;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) v = merge(v, shfl_down(v, off));
  if (lane == 0) warp_part[warp] = v;
  __syncthreads();
  if (warp == 0) {
    const int warps = static_cast<int>(blockDim.x >> 5);
    v = lane < warps ? warp_part[lane] : identity;
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) v = merge(v, shfl_down(v, off));
    if (lane == 0) result = v;
  }
  __syncthreads();
  const Acc r = result;
  __syncthreads();  // the shared slots may be reused by the caller's next call
  return r;
}

// Rows of length R (B == 1), each cut into `chunks` pieces of `chunk` elements: task
// (row, c) -> out[row * chunks + c]. kMerge: the input holds partial accumulators.
template <class In, class Out, class Op, bool kMerge>
__global__ void reduce_rows_kernel(const In* x, Out* out, int64_t rows, int64_t R, int64_t chunk,
                                   int64_t chunks) {
  using Acc = typename Op::Acc;
  for (int64_t task = blockIdx.x; task < rows * chunks; task += gridDim.x) {
    const int64_t row = task / chunks, c = task % chunks;
    const int64_t begin = c * chunk, end = min(R, begin + chunk);
    const In* p = x + row * R;
    Acc acc = Op::init();
    for (int64_t j = begin + threadIdx.x; j < end; j += blockDim.x) {
      if constexpr (kMerge) acc = Op::merge(acc, p[j]);
      else acc = Op::step(acc, p[j]);
    }
    acc = block_reduce(acc, Op::init(), [](Acc a, Acc b) { return Op::merge(a, b); });
    if (threadIdx.x == 0) out[task] = static_cast<Out>(acc);
  }
}

// [A, R, B] with B > 1: one thread per (a, b), R walked in order.
template <class T, class Op>
__global__ void reduce_cols_kernel(const T* x, T* out, int64_t A, int64_t R, int64_t B) {
  using Acc = typename Op::Acc;
  TG_GRID_STRIDE(t, A * B) {
    const int64_t a = t / B, b = t % B;
    const T* p = x + a * R * B + b;
    Acc acc = Op::init();
    for (int64_t r = 0; r < R; ++r) acc = Op::step(acc, p[r * B]);
    out[t] = static_cast<T>(acc);
  }
}

constexpr int64_t kChunk = kRowChunk;  // elements per block when one row is split (launch_math.h)

template <class T, class Op>
void reduce_arb(const T* x, T* out, int64_t A, int64_t R, int64_t B, int device) {
  using Acc = typename Op::Acc;
  if (B > 1) {
    reduce_cols_kernel<T, Op><<<blocks_for(A * B), kThreads, 0, stream()>>>(x, out, A, R, B);
    TG_CUDA_CHECK_LAUNCH();
    return;
  }
  const int64_t chunks = row_chunks(A, R);
  if (chunks == 1) {
    reduce_rows_kernel<T, T, Op, false>
        <<<blocks_for(A, 1), kThreads, 0, stream()>>>(x, out, A, R, R, 1);
    TG_CUDA_CHECK_LAUNCH();
    return;
  }
  DeviceBuffer part(device, static_cast<size_t>(A * chunks) * sizeof(Acc));
  reduce_rows_kernel<T, Acc, Op, false><<<blocks_for(A * chunks, 1), kThreads, 0, stream()>>>(
      x, part.get<Acc>(), A, R, kChunk, chunks);
  TG_CUDA_CHECK_LAUNCH();
  reduce_rows_kernel<Acc, T, Op, true>
      <<<blocks_for(A, 1), kThreads, 0, stream()>>>(part.get<Acc>(), out, A, chunks, chunks, 1);
  TG_CUDA_CHECK_LAUNCH();
}

// Describes contiguous x as [A, R, B] if the reduced dims form one block; false otherwise.
bool as_arb(const Tensor& x, const bool* red, int64_t& A, int64_t& R, int64_t& B) {
  A = R = B = 1;
  int phase = 0;  // 0: before the block, 1: in it, 2: after it
  for (int d = 0; d < x.dim(); ++d) {
    const int64_t s = x.sizes()[d];
    if (s == 1) continue;
    if (red[d]) {
      if (phase == 2) return false;
      phase = 1;
      R *= s;
    } else {
      if (phase == 1) phase = 2;
      (phase == 0 ? A : B) *= s;
    }
  }
  return true;
}

// Too few columns to fill the GPU, long enough rows: better as B == 1 after one transpose copy.
bool prefer_rows(int64_t A, int64_t R, int64_t B) { return B > 1 && A * B < 8192 && R >= 256; }

// ---- argmax / argmin ----------------------------------------------------------------------------

// better(v, best): strictly better, or NaN (which wins and sticks) — the CPU's rule.
template <class T>
__device__ __forceinline__ bool better(bool is_max, T v, T best) {
  if (is_nan_(best)) return false;
  if (is_nan_(v)) return true;
  return is_max ? v > best : v < best;
}

// B == 1: rows of length R, each cut into `chunks` pieces of `chunk` elements (one piece when the
// rows are short or many): task (row, c) -> values/indices[row * chunks + c]. Each thread keeps its
// first best; the tree keeps the lower index among equals, so the piece's first best wins. With
// `x_index` the inputs are earlier pieces' partials (value, index), in increasing index order, and
// the same rules merge them. Without chunks a single block walked a whole long row (an argmax over
// 2^31 elements took seconds on one SM).
template <class T>
__global__ void arg_rows_kernel(const T* x, const int64_t* x_index, T* values, int64_t* indices,
                                int64_t rows, int64_t R, int64_t chunk, int64_t chunks,
                                bool is_max) {
  __shared__ T sv[kThreads];
  __shared__ int64_t si[kThreads];
  for (int64_t task = blockIdx.x; task < rows * chunks; task += gridDim.x) {
    const int64_t row = task / chunks, c = task % chunks;
    const int64_t begin = c * chunk, end = min(R, begin + chunk);
    const T* p = x + row * R;
    const int64_t* pi = x_index ? x_index + row * R : nullptr;
    T best{};
    int64_t bi = -1;  // -1: this thread saw nothing
    for (int64_t j = begin + threadIdx.x; j < end; j += blockDim.x) {
      if (bi < 0 || better(is_max, p[j], best)) {
        best = p[j];
        bi = pi ? pi[j] : j;
      }
    }
    sv[threadIdx.x] = best;
    si[threadIdx.x] = bi;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
      if (threadIdx.x < s) {
        const T v2 = sv[threadIdx.x + s];
        const int64_t i2 = si[threadIdx.x + s];
        const T v1 = sv[threadIdx.x];
        const int64_t i1 = si[threadIdx.x];
        bool take2;
        if (i2 < 0) take2 = false;
        else if (i1 < 0) take2 = true;
        else if (better(is_max, v2, v1)) take2 = true;
        else if (better(is_max, v1, v2)) take2 = false;
        else take2 = i2 < i1;  // equal (or both NaN): the lower index
        if (take2) {
          sv[threadIdx.x] = v2;
          si[threadIdx.x] = i2;
        }
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) {
      values[task] = sv[0];
      indices[task] = si[0];
    }
    __syncthreads();
  }
}

template <class T>
__global__ void arg_cols_kernel(const T* x, T* values, int64_t* indices, int64_t A, int64_t R,
                                int64_t B, bool is_max) {
  TG_GRID_STRIDE(t, A * B) {
    const int64_t a = t / B, c = t % B;
    const T* p = x + a * R * B + c;
    T best = p[0];
    int64_t bi = 0;
    for (int64_t r = 1; r < R; ++r)
      if (better(is_max, p[r * B], best)) {
        best = p[r * B];
        bi = r;
      }
    values[t] = best;
    indices[t] = bi;
  }
}

// ---- softmax ------------------------------------------------------------------------------------

// B == 1: one block per row: max, then the sum of exp in double, then the outputs.
template <class T>
__global__ void softmax_rows_kernel(const T* x, T* out, int64_t rows, int64_t R, bool log) {
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const T* p = x + row * R;
    T* o = out + row * R;
    T m = MaxOp<T>::init();
    for (int64_t j = threadIdx.x; j < R; j += blockDim.x) m = MaxOp<T>::step(m, p[j]);
    m = block_reduce(m, MaxOp<T>::init(), [](T a, T b) { return MaxOp<T>::merge(a, b); });
    if (isinf(m) && m < 0) m = T(0);  // an all -inf row: avoid inf - inf
    double s = 0.0;
    for (int64_t j = threadIdx.x; j < R; j += blockDim.x) s += static_cast<double>(exp(p[j] - m));
    s = block_reduce(s, 0.0, [](double a, double b) { return a + b; });
    if (log) {
      const T ls = static_cast<T>(::log(s));
      for (int64_t j = threadIdx.x; j < R; j += blockDim.x) o[j] = p[j] - m - ls;
    } else {
      const T inv = static_cast<T>(1.0 / s);
      for (int64_t j = threadIdx.x; j < R; j += blockDim.x) o[j] = exp(p[j] - m) * inv;
    }
  }
}

template <class T>
__global__ void softmax_cols_kernel(const T* x, T* out, int64_t A, int64_t R, int64_t B, bool log) {
  TG_GRID_STRIDE(t, A * B) {
    const int64_t a = t / B, c = t % B;
    const T* p = x + a * R * B + c;
    T* o = out + a * R * B + c;
    T m = MaxOp<T>::init();
    for (int64_t r = 0; r < R; ++r) m = MaxOp<T>::step(m, p[r * B]);
    if (isinf(m) && m < 0) m = T(0);
    double s = 0.0;
    for (int64_t r = 0; r < R; ++r) s += static_cast<double>(exp(p[r * B] - m));
    if (log) {
      const T ls = static_cast<T>(::log(s));
      for (int64_t r = 0; r < R; ++r) o[r * B] = p[r * B] - m - ls;
    } else {
      const T inv = static_cast<T>(1.0 / s);
      for (int64_t r = 0; r < R; ++r) o[r * B] = exp(p[r * B] - m) * inv;
    }
  }
}

}  // namespace

void reduce(ReduceOp op, const Tensor& x_in, const bool* red, const Tensor& out) {
  TG_INTERNAL_ASSERT(out.is_contiguous());
  Tensor x = x_in;
  int64_t A, R, B;
  if (!x.is_contiguous() || !as_arb(x, red, A, R, B)) {
    DimVec perm;
    for (int d = 0; d < x.dim(); ++d)
      if (!red[d]) perm.push_back(d);
    for (int d = 0; d < x.dim(); ++d)
      if (red[d]) perm.push_back(d);
    x = x.permute(perm).contiguous();
    bool red2[kMaxDims];
    for (int d = 0; d < x.dim(); ++d) red2[d] = red[perm[d]];
    as_arb(x, red2, A, R, B);
  } else if (prefer_rows(A, R, B)) {
    x = x.view({A, R, B}).transpose(1, 2).contiguous();
    R = x.size(2);
    A = A * B;
    B = 1;
  }
  if (out.numel() == 0) return;
  if (x.numel() == 0) {  // empty reduction: the identity
    TG_INTERNAL_ASSERT(op == ReduceOp::Sum || op == ReduceOp::Prod,
                       "empty max/min must be rejected by the op");
    fill(out, op == ReduceOp::Sum ? 0 : 1);
    return;
  }
  const int device = x.device().index;
  dispatch(x.dtype(), "reduce", [&]<class T>() {
    const T* xp = ptr<T>(x);
    T* yp = ptr<T>(out);
    switch (op) {
      case ReduceOp::Sum:
      case ReduceOp::Prod:
        if constexpr (std::is_same_v<T, bool>) {
          TG_INTERNAL_ASSERT(false, "sum/prod of bool must be computed in int64");
        } else if (op == ReduceOp::Sum) {
          reduce_arb<T, SumOp<T>>(xp, yp, A, R, B, device);
        } else {
          reduce_arb<T, ProdOp<T>>(xp, yp, A, R, B, device);
        }
        break;
      case ReduceOp::Max: reduce_arb<T, MaxOp<T>>(xp, yp, A, R, B, device); break;
      case ReduceOp::Min: reduce_arb<T, MinOp<T>>(xp, yp, A, R, B, device); break;
    }
  });
}

void arg_reduce(bool is_max, const Tensor& x_in, int dim, const Tensor& values,
                const Tensor& indices) {
  TG_INTERNAL_ASSERT(values.is_contiguous() && indices.is_contiguous());
  Tensor x = x_in.contiguous();
  int64_t A, R, B;
  split_around(x.sizes(), dim, A, R, B);
  if (values.numel() == 0 || R == 0) return;  // the op rejects empty reductions
  if (prefer_rows(A, R, B)) {  // [A, R, B] -> [A, B, R]: output order (a, b) is unchanged
    x = x.view({A, R, B}).transpose(1, 2).contiguous();
    A = A * B;
    B = 1;
  }
  const int device = x.device().index;
  dispatch(x.dtype(), "argmax", [&]<class T>() {
    if (B == 1) {
      // Few long rows: pieces of kChunk elements in parallel, then their partials merged (the
      // same shape-only split as reduce_arb, so the result does not vary from run to run).
      const int64_t chunks = row_chunks(A, R);
      if (chunks == 1) {
        arg_rows_kernel<T><<<blocks_for(A, 1), kThreads, 0, stream()>>>(
            ptr<T>(x), nullptr, ptr<T>(values), ptr<int64_t>(indices), A, R, R, 1, is_max);
      } else {
        DeviceBuffer part_v(device, static_cast<size_t>(A * chunks) * sizeof(T));
        DeviceBuffer part_i(device, static_cast<size_t>(A * chunks) * sizeof(int64_t));
        arg_rows_kernel<T><<<blocks_for(A * chunks, 1), kThreads, 0, stream()>>>(
            ptr<T>(x), nullptr, part_v.get<T>(), part_i.get<int64_t>(), A, R, kChunk, chunks,
            is_max);
        TG_CUDA_CHECK_LAUNCH();
        arg_rows_kernel<T><<<blocks_for(A, 1), kThreads, 0, stream()>>>(
            part_v.get<T>(), part_i.get<int64_t>(), ptr<T>(values), ptr<int64_t>(indices), A,
            chunks, chunks, 1, is_max);
      }
    } else {
      arg_cols_kernel<T><<<blocks_for(A * B), kThreads, 0, stream()>>>(
          ptr<T>(x), ptr<T>(values), ptr<int64_t>(indices), A, R, B, is_max);
    }
  });
  TG_CUDA_CHECK_LAUNCH();
}

void softmax(const Tensor& x_in, int dim, bool log, const Tensor& out) {
  TG_INTERNAL_ASSERT(out.is_contiguous());
  Tensor x = x_in.contiguous();
  int64_t A, R, B;
  split_around(x.sizes(), dim, A, R, B);
  if (out.numel() == 0) return;
  dispatch_floating(x.dtype(), "softmax", [&]<class T>() {
    if (B == 1) {
      softmax_rows_kernel<T>
          <<<blocks_for(A, 1), kThreads, 0, stream()>>>(ptr<T>(x), ptr<T>(out), A, R, log);
    } else {
      softmax_cols_kernel<T>
          <<<blocks_for(A * B), kThreads, 0, stream()>>>(ptr<T>(x), ptr<T>(out), A, R, B, log);
    }
  });
  TG_CUDA_CHECK_LAUNCH();
}

}  // namespace tg::kernels::cuda
