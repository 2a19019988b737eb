// kernels/cuda/binary.cu — every binary op of the functors.h table on the GPU; inputs arrive
// broadcast (stride 0) to the output's shape, which Offsets<3> handles like any other stride.
#include "common.cuh"
#include "cuda_kernels.h"

namespace tg::kernels::cuda {
namespace {

template <class R, class T, class F>
__global__ void binary_kernel(const T* a, const T* b, R* out, Offsets<3> oc, int64_t n, F f) {
  TG_GRID_STRIDE(i, n) {
    int64_t off[3];
    oc.get(i, off);
    out[off[0]] = f(a[off[1]], b[off[2]]);
  }
}

}  // namespace

void binary(BinaryOp op, double alpha, const Tensor& a, const Tensor& b, const Tensor& out) {
  const int64_t n = out.numel();
  if (n == 0) return;
  const Tensor* ts[3] = {&out, &a, &b};
  const Offsets<3> oc = make_offsets(ts);
  with_binary_functor(op, alpha, [&](auto f) {
    auto run = [&]<class T>() {
      using R = decltype(f(T{}, T{}));
      binary_kernel<R, T>
          <<<blocks_for(n), kThreads, 0, stream()>>>(ptr<T>(a), ptr<T>(b), ptr<R>(out), oc, n, f);
    };
    if constexpr (kFloatOnly<decltype(f)>) dispatch_floating(a.dtype(), "binary", run);
    else dispatch(a.dtype(), "binary", run);
  });
  TG_CUDA_CHECK_LAUNCH();
}

}  // namespace tg::kernels::cuda
