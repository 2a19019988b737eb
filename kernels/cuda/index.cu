// kernels/cuda/index.cu — index_select, gather, scatter and index_add on the GPU.
//
// gather/scatter view x (or out) with index's shape and a zero stride on `dim`, as the CPU does,
// so Offsets<3> yields for each index element the slot at index 0 on `dim`; the kernel adds
// index * stride(dim). Determinism: index_add sorts the indices (stable) and lets one thread per
// (distinct row, column) add that row's sources in their original order, so the result does not
// depend on scheduling and equals the CPU's bit for bit. scatter with accumulate uses atomics
// (float sums may then differ in the last bits from run to run, as in PyTorch); scatter without
// accumulate and repeated indices leaves which write wins unspecified (PyTorch's rule too).
#include "common.cuh"
#include "cuda_kernels.h"

namespace tg::kernels::cuda {
namespace {

Tensor restride(const Tensor& t, const DimVec& sizes, const DimVec& strides) {
  return Tensor(std::make_shared<TensorImpl>(t.impl().storage(), sizes, strides, t.storage_offset(),
                                             t.dtype()));
}

template <class U>
__global__ void index_select_kernel(const U* x, const int64_t* index, U* out, int64_t A, int64_t R,
                                    int64_t L, int64_t B) {
  TG_GRID_STRIDE(t, A * L * B) {
    const int64_t b = t % B, l = (t / B) % L, a = t / (L * B);
    out[t] = x[(a * R + index[l]) * B + b];
  }
}

template <class U>
__global__ void gather_kernel(const U* x, const int64_t* index, U* out, Offsets<3> oc, int64_t n,
                              int64_t step) {
  TG_GRID_STRIDE(i, n) {
    int64_t off[3];
    oc.get(i, off);
    out[off[0]] = x[off[2] + index[off[1]] * step];
  }
}

template <class U>
__global__ void scatter_kernel(U* out, const int64_t* index, const U* src, Offsets<3> oc, int64_t n,
                               int64_t step) {
  TG_GRID_STRIDE(i, n) {
    int64_t off[3];
    oc.get(i, off);
    out[off[0] + index[off[1]] * step] = src[off[2]];
  }
}

template <class T>
__device__ __forceinline__ void atomic_accumulate(T* dst, T v) {
  if constexpr (std::is_same_v<T, bool>) {
    if (v) *dst = true;  // logical or: every racing writer stores the same value
  } else if constexpr (std::is_same_v<T, int64_t>) {
    atomicAdd(reinterpret_cast<unsigned long long*>(dst), static_cast<unsigned long long>(v));
  } else {
    atomicAdd(dst, v);
  }
}

template <class T>
__global__ void scatter_add_kernel(T* out, const int64_t* index, const T* src, Offsets<3> oc,
                                   int64_t n, int64_t step) {
  TG_GRID_STRIDE(i, n) {
    int64_t off[3];
    oc.get(i, off);
    atomic_accumulate(out + off[0] + index[off[1]] * step, src[off[2]]);
  }
}

// alpha * s rounded on its own (no FMA), as the CPU computes dst += alpha * s.
template <class T>
__device__ __forceinline__ T scaled(T alpha, T s) {
  if constexpr (std::is_same_v<T, float>) return __fmul_rn(alpha, s);
  else if constexpr (std::is_same_v<T, double>) return __dmul_rn(alpha, s);
  else return alpha * s;
}

// out [A, R, B] += alpha * src [A, L, B] at rows index[l]. `keys` are the indices sorted (stable),
// `perm` the source row of each: thread (a, j, b) works only if j starts a run of equal keys.
template <class T>
__global__ void index_add_sorted_kernel(T* out, const T* src, const int64_t* keys,
                                        const int64_t* perm, int64_t A, int64_t R, int64_t L,
                                        int64_t B, T alpha) {
  TG_GRID_STRIDE(t, A * L * B) {
    const int64_t b = t % B, j = (t / B) % L, a = t / (L * B);
    const int64_t row = keys[j];
    if (j > 0 && keys[j - 1] == row) continue;
    T* dst = out + (a * R + row) * B + b;
    T acc = *dst;
    for (int64_t q = j; q < L && keys[q] == row; ++q) {
      const T s = src[(a * L + perm[q]) * B + b];
      if constexpr (std::is_same_v<T, bool>) acc = acc || s;
      else acc = acc + scaled(alpha, s);
    }
    *dst = acc;
  }
}

}  // namespace

void index_select(const Tensor& x_in, int dim, const Tensor& index_in, const Tensor& out) {
  TG_INTERNAL_ASSERT(out.is_contiguous());
  Tensor x = x_in.contiguous(), index = index_in.contiguous();
  int64_t A, R, B;
  split_around(x.sizes(), dim, A, R, B);
  const int64_t L = index.numel();
  if (A * L * B == 0) return;
  dispatch_width(x.dtype(), [&]<class U>() {
    index_select_kernel<U><<<blocks_for(A * L * B), kThreads, 0, stream()>>>(
        ptr<U>(x), ptr<int64_t>(index), ptr<U>(out), A, R, L, B);
  });
  TG_CUDA_CHECK_LAUNCH();
}

void gather(const Tensor& x, int dim, const Tensor& index, const Tensor& out) {
  const int64_t n = index.numel();
  if (n == 0) return;
  DimVec st = x.strides();
  st[dim] = 0;
  const Tensor xv = restride(x, index.sizes(), st);
  const Tensor* ts[3] = {&out, &index, &xv};
  const Offsets<3> oc = make_offsets(ts);
  const int64_t step = x.stride(dim);
  dispatch_width(x.dtype(), [&]<class U>() {
    gather_kernel<U><<<blocks_for(n), kThreads, 0, stream()>>>(ptr<U>(x), ptr<int64_t>(index),
                                                               ptr<U>(out), oc, n, step);
  });
  TG_CUDA_CHECK_LAUNCH();
}

void scatter(const Tensor& out, int dim, const Tensor& index, const Tensor& src, bool accumulate) {
  const int64_t n = index.numel();
  if (n == 0) return;
  DimVec st = out.strides();
  st[dim] = 0;
  const Tensor ov = restride(out, index.sizes(), st);
  const Tensor sv = restride(src, index.sizes(), src.strides());  // src may be larger than index
  const Tensor* ts[3] = {&ov, &index, &sv};
  const Offsets<3> oc = make_offsets(ts);
  const int64_t step = out.stride(dim);
  if (accumulate) {
    dispatch(out.dtype(), "scatter", [&]<class T>() {
      scatter_add_kernel<T><<<blocks_for(n), kThreads, 0, stream()>>>(
          ptr<T>(out), ptr<int64_t>(index), ptr<T>(src), oc, n, step);
    });
  } else {
    dispatch_width(out.dtype(), [&]<class U>() {
      scatter_kernel<U><<<blocks_for(n), kThreads, 0, stream()>>>(ptr<U>(out), ptr<int64_t>(index),
                                                                  ptr<U>(src), oc, n, step);
    });
  }
  TG_CUDA_CHECK_LAUNCH();
}

void index_add(const Tensor& out, int dim, const Tensor& index_in, const Tensor& src_in,
               double alpha) {
  TG_INTERNAL_ASSERT(out.is_contiguous());
  Tensor src = src_in.contiguous(), index = index_in.contiguous();
  int64_t A, R, B;
  split_around(out.sizes(), dim, A, R, B);
  const int64_t L = index.numel();
  if (A * L * B == 0) return;
  const int device = out.device().index;
  DeviceBuffer keys(device, static_cast<size_t>(L) * sizeof(int64_t));
  DeviceBuffer perm(device, static_cast<size_t>(L) * sizeof(int64_t));
  stable_argsort_keys(ptr<int64_t>(index), L, R, keys.get<int64_t>(), perm.get<int64_t>(), device);
  dispatch(out.dtype(), "index_add", [&]<class T>() {
    index_add_sorted_kernel<T><<<blocks_for(A * L * B), kThreads, 0, stream()>>>(
        ptr<T>(out), ptr<T>(src), keys.get<int64_t>(), perm.get<int64_t>(), A, R, L, B,
        static_cast<T>(alpha));
  });
  TG_CUDA_CHECK_LAUNCH();
}

}  // namespace tg::kernels::cuda
