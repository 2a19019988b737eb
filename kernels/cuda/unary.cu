// kernels/cuda/unary.cu — every unary op of the functors.h table on the GPU: one grid-stride
// kernel per (functor, dtype), the same functor code the CPU backend runs.
#include "common.cuh"
#include "cuda_kernels.h"

namespace tg::kernels::cuda {
namespace {

template <class R, class T, class F>
__global__ void unary_kernel(const T* x, R* out, Offsets<2> oc, int64_t n, F f) {
  TG_GRID_STRIDE(i, n) {
    int64_t off[2];
    oc.get(i, off);
    out[off[0]] = f(x[off[1]]);
  }
}

}  // namespace

void unary(UnaryOp op, const UnaryParams& params, const Tensor& x, const Tensor& out) {
  const int64_t n = out.numel();
  if (n == 0) return;
  const Tensor* ts[2] = {&out, &x};
  const Offsets<2> oc = make_offsets(ts);
  with_unary_functor(op, params, [&](auto f) {
    auto run = [&]<class T>() {
      using R = decltype(f(T{}));
      unary_kernel<R, T>
          <<<blocks_for(n), kThreads, 0, stream()>>>(ptr<T>(x), ptr<R>(out), oc, n, f);
    };
    if constexpr (kFloatOnly<decltype(f)>) dispatch_floating(x.dtype(), "unary", run);
    else dispatch(x.dtype(), "unary", run);
  });
  TG_CUDA_CHECK_LAUNCH();
}

}  // namespace tg::kernels::cuda
