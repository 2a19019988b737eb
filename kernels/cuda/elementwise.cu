// kernels/cuda/elementwise.cu — copy, fill, where and the Philox random fills on the GPU.
//
// One grid-stride kernel per primitive, indexed through Offsets<N> (common.cuh), which reduces to
// a plain i * stride for contiguous operands. Kernels that only move bits (same-dtype copy, fill)
// are instantiated per element width, not per dtype.
#include <cstring>

#include "common.cuh"
#include "cuda_kernels.h"

namespace tg::kernels::cuda {
namespace {

template <class D, class S>
__global__ void convert_kernel(const S* src, D* dst, Offsets<2> oc, int64_t n) {
  TG_GRID_STRIDE(i, n) {
    int64_t off[2];
    oc.get(i, off);
    if constexpr (std::is_same_v<D, bool>) dst[off[0]] = src[off[1]] != S(0);
    else dst[off[0]] = static_cast<D>(src[off[1]]);
  }
}

template <class U>
__global__ void fill_kernel(U* dst, U value, Offsets<1> oc, int64_t n) {
  TG_GRID_STRIDE(i, n) {
    int64_t off[1];
    oc.get(i, off);
    dst[off[0]] = value;
  }
}

template <class U>
__global__ void where_kernel(const bool* c, const U* a, const U* b, U* out, Offsets<4> oc,
                             int64_t n) {
  TG_GRID_STRIDE(i, n) {
    int64_t off[4];
    oc.get(i, off);
    out[off[0]] = c[off[1]] ? a[off[2]] : b[off[3]];
  }
}

// a * b rounded on its own: stops nvcc fusing `lo + span * u` into an FMA, which the CPU code
// does not do, so that the same seed gives the same bits on both.
template <class T>
__device__ __forceinline__ T mul_rn(T a, T b) {
  if constexpr (std::is_same_v<T, float>) return __fmul_rn(a, b);
  else return __dmul_rn(a, b);
}

// Element i uses Philox counter offset + i, exactly as kernels/cpu/random.cpp.
template <class T>
__global__ void uniform_kernel(T* out, int64_t n, uint64_t seed, uint64_t offset, T lo, T span) {
  TG_GRID_STRIDE(i, n) {
    uint32_t w[4];
    Philox::generate(seed, offset + static_cast<uint64_t>(i), w);
    out[i] = lo + mul_rn(span, Philox::uniform<T>(w, 0));
  }
}

template <class T>
__global__ void normal_kernel(T* out, int64_t n, uint64_t seed, uint64_t offset, double mean,
                              double stddev) {
  TG_GRID_STRIDE(i, n) {
    uint32_t w[4];
    Philox::generate(seed, offset + static_cast<uint64_t>(i), w);
    const double u1 = 1.0 - Philox::uniform<double>(w, 0);
    const double u2 = Philox::uniform<double>(w, 2);
    // log and cos may differ from glibc's in the last bit, so float64 normals agree with the CPU
    // to ~1e-15 relative (float32 ones almost always exactly).
    const double z = mul_rn(sqrt(mul_rn(-2.0, log(u1))), cos(mul_rn(6.283185307179586, u2)));
    out[i] = static_cast<T>(mean + mul_rn(stddev, z));
  }
}

template <class T>
__global__ void randint_kernel(T* out, int64_t n, uint64_t seed, uint64_t offset, int64_t low,
                               uint64_t range) {
  TG_GRID_STRIDE(i, n) {
    uint32_t w[4];
    Philox::generate(seed, offset + static_cast<uint64_t>(i), w);
    const uint64_t r = static_cast<uint64_t>(w[0]) << 32 | w[1];
    const uint64_t v = __umul64hi(r, range);  // Lemire's multiply-shift, as on the CPU
    out[i] = static_cast<T>(low + static_cast<int64_t>(v));
  }
}

}  // namespace

void copy(const Tensor& src, const Tensor& dst) {
  const int64_t n = dst.numel();
  if (n == 0) return;
  if (src.dtype() == dst.dtype() && src.is_contiguous() && dst.is_contiguous()) {
    TG_CUDA_CHECK(cudaMemcpyAsync(dst.data_ptr(), src.data_ptr(), dst.nbytes(),
                                  cudaMemcpyDeviceToDevice, stream()));
    return;
  }
  const Tensor* ts[2] = {&dst, &src};
  const Offsets<2> oc = make_offsets(ts);
  if (src.dtype() == dst.dtype()) {
    dispatch_width(dst.dtype(), [&]<class U>() {
      convert_kernel<U, U>
          <<<blocks_for(n), kThreads, 0, stream()>>>(ptr<U>(src), ptr<U>(dst), oc, n);
    });
  } else {
    dispatch(dst.dtype(), "copy", [&]<class D>() {
      dispatch(src.dtype(), "copy", [&]<class S>() {
        convert_kernel<D, S>
            <<<blocks_for(n), kThreads, 0, stream()>>>(ptr<S>(src), ptr<D>(dst), oc, n);
      });
    });
  }
  TG_CUDA_CHECK_LAUNCH();
}

void fill(const Tensor& dst, Scalar value) {
  const int64_t n = dst.numel();
  if (n == 0) return;
  const Tensor* ts[1] = {&dst};
  const Offsets<1> oc = make_offsets(ts);
  dispatch(dst.dtype(), "fill", [&]<class T>() {
    using U = typename Bits<sizeof(T)>::type;
    const T v = value.to<T>();
    U bits;
    std::memcpy(&bits, &v, sizeof(T));
    fill_kernel<U><<<blocks_for(n), kThreads, 0, stream()>>>(ptr<U>(dst), bits, oc, n);
  });
  TG_CUDA_CHECK_LAUNCH();
}

void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) {
  const int64_t n = out.numel();
  if (n == 0) return;
  const Tensor* ts[4] = {&out, &cond, &a, &b};
  const Offsets<4> oc = make_offsets(ts);
  dispatch_width(out.dtype(), [&]<class U>() {
    where_kernel<U><<<blocks_for(n), kThreads, 0, stream()>>>(ptr<bool>(cond), ptr<U>(a), ptr<U>(b),
                                                              ptr<U>(out), oc, n);
  });
  TG_CUDA_CHECK_LAUNCH();
}

void uniform(const Tensor& out, uint64_t seed, uint64_t offset, double low, double high) {
  TG_INTERNAL_ASSERT(out.is_contiguous());
  const int64_t n = out.numel();
  if (n == 0) return;
  dispatch_floating(out.dtype(), "rand", [&]<class T>() {
    uniform_kernel<T><<<blocks_for(n), kThreads, 0, stream()>>>(
        ptr<T>(out), n, seed, offset, static_cast<T>(low), static_cast<T>(high - low));
  });
  TG_CUDA_CHECK_LAUNCH();
}

void normal(const Tensor& out, uint64_t seed, uint64_t offset, double mean, double stddev) {
  TG_INTERNAL_ASSERT(out.is_contiguous());
  const int64_t n = out.numel();
  if (n == 0) return;
  dispatch_floating(out.dtype(), "randn", [&]<class T>() {
    normal_kernel<T>
        <<<blocks_for(n), kThreads, 0, stream()>>>(ptr<T>(out), n, seed, offset, mean, stddev);
  });
  TG_CUDA_CHECK_LAUNCH();
}

void randint(const Tensor& out, uint64_t seed, uint64_t offset, int64_t low, int64_t high) {
  TG_INTERNAL_ASSERT(out.is_contiguous());
  const int64_t n = out.numel();
  if (n == 0) return;
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  dispatch(out.dtype(), "randint", [&]<class T>() {
    if constexpr (std::is_same_v<T, bool>) {
      TG_THROW("randint: dtype bool is not supported");
    } else {
      randint_kernel<T>
          <<<blocks_for(n), kThreads, 0, stream()>>>(ptr<T>(out), n, seed, offset, low, range);
    }
  });
  TG_CUDA_CHECK_LAUNCH();
}

}  // namespace tg::kernels::cuda
