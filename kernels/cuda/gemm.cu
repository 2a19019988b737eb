// kernels/cuda/gemm.cu — batched matrix multiply: cuBLAS for float32/float64, a plain kernel for
// int64 (which cuBLAS lacks).
//
// Row-major out[N, M] = a[N, K] @ w[K, M] is, read column-major, out^T = w^T @ a^T, so cuBLAS gets
// (w, a) in that order with m = M, n = N. An operand whose matrix part has a unit stride on one
// side needs no copy: row-major (unit column stride) is "no transpose" in cuBLAS terms, a
// transposed view (unit row stride) is "transpose". Anything else is made contiguous first. One
// cublasGemmStridedBatchedEx call covers the batch (a batch stride of 0 broadcasts an operand).
// float32 uses exact FP32 math unless tg::cuda::set_allow_tf32(true).
#include <mutex>
#include <vector>

#include <climits>
#include <cublas_v2.h>

#include "../../tensor/ops.h"
#include "common.cuh"
#include "cuda_kernels.h"

namespace tg::kernels::cuda {
namespace {

#define TG_CUBLAS_CHECK(call)                                                                     \
  do {                                                                                            \
    const cublasStatus_t tg_st_ = (call);                                                         \
    if (tg_st_ != CUBLAS_STATUS_SUCCESS) [[unlikely]]                                             \
      TG_THROW("cuBLAS error ", cublasGetStatusName(tg_st_), " (", cublasGetStatusString(tg_st_), \
               ") in " #call " at kernels/cuda/gemm.cu:", __LINE__);                              \
  } while (0)

// One handle per GPU, created on first use and kept for the process (see runtime.cpp on why
// nothing CUDA-related is destroyed at exit).
cublasHandle_t handle(int device) {
  static std::mutex mu;
  static auto* handles = new std::vector<cublasHandle_t>();
  std::lock_guard<std::mutex> lock(mu);
  if (handles->size() <= static_cast<size_t>(device)) handles->resize(device + 1, nullptr);
  cublasHandle_t& h = (*handles)[static_cast<size_t>(device)];
  if (!h) {
    TG_CUBLAS_CHECK(cublasCreate(&h));
    TG_CUBLAS_CHECK(cublasSetStream(h, stream()));
  }
  return h;
}

// A 3-D operand [B, rows, cols] as cuBLAS sees it (column-major): `trans` when its memory is
// row-major-transposed, i.e. a column-major rows x cols matrix.
struct MatDesc {
  Tensor t;
  bool row_major = true;
  int64_t ld = 0;
  int64_t batch_stride = 0;
};

MatDesc describe(const Tensor& t) {
  const GemmOperand g = gemm_operand(t.size(1), t.size(2), t.stride(1), t.stride(2));
  MatDesc d;
  // kCopy: no unit stride, or overlapping rows (an expanded view): one contiguous copy.
  d.t = g.kind == GemmOperand::kCopy ? t.contiguous() : t;
  d.row_major = g.kind != GemmOperand::kColMajor;
  d.ld = g.ld;
  d.batch_stride = t.size(0) > 1 ? d.t.stride(0) : 0;
  return d;
}

// int64: one thread per output element, k walked in order.
__global__ void gemm_i64_kernel(const int64_t* a, const int64_t* w, int64_t* out, int64_t batch,
                                int64_t n, int64_t m, int64_t k, int64_t sa0, int64_t sa1,
                                int64_t sa2, int64_t sw0, int64_t sw1, int64_t sw2, int64_t alpha,
                                int64_t beta) {
  TG_GRID_STRIDE(t, batch * n * m) {
    const int64_t b = t / (n * m), i = (t / m) % n, j = t % m;
    const int64_t* ap = a + b * sa0 + i * sa1;
    const int64_t* wp = w + b * sw0 + j * sw2;
    int64_t acc = 0;
    for (int64_t q = 0; q < k; ++q) acc += ap[q * sa2] * wp[q * sw1];
    out[t] = beta == 0 ? alpha * acc : alpha * acc + beta * out[t];
  }
}

void check_int(int64_t v, const char* what) {
  TG_CHECK(v <= INT_MAX, "matmul: ", what, " ", v, " exceeds cuBLAS's 32-bit limit");
}

}  // namespace

void gemm(const Tensor& a, const Tensor& w, const Tensor& out, double alpha, double beta) {
  TG_INTERNAL_ASSERT(out.is_contiguous());
  const int64_t batch = out.size(0), n = out.size(1), m = out.size(2), k = a.size(2);
  if (batch == 0 || n == 0 || m == 0) return;
  if (out.dtype() == kInt64) {
    gemm_i64_kernel<<<blocks_for(batch * n * m), kThreads, 0, stream()>>>(
        ptr<int64_t>(a), ptr<int64_t>(w), ptr<int64_t>(out), batch, n, m, k, a.stride(0),
        a.stride(1), a.stride(2), w.stride(0), w.stride(1), w.stride(2),
        static_cast<int64_t>(alpha), static_cast<int64_t>(beta));
    TG_CUDA_CHECK_LAUNCH();
    return;
  }
  TG_CHECK(is_floating(out.dtype()), "matmul: dtype ", dtype_name(out.dtype()),
           " is not supported");
  if (k == 0) {  // an empty sum: out = beta * out (beta == 0 ignores out, even NaN)
    if (beta == 0) fill(out, 0);
    else
      binary(BinaryOp::Mul, 1.0, out, full({}, beta, out.dtype(), out.device()).expand(out.sizes()),
             out);
    return;
  }
  check_int(n, "size");
  check_int(m, "size");
  check_int(k, "size");
  check_int(batch, "batch");
  const MatDesc da = describe(a), dw = describe(w);
  check_int(da.ld, "leading dimension");
  check_int(dw.ld, "leading dimension");
  // Column-major: C[m x n] = op(W)[m x k] * op(A)[k x n]. A row-major W [k, m] is a column-major
  // m x k matrix already (no transpose); a column-major one must be transposed. Same for A.
  const cublasOperation_t op_w = dw.row_major ? CUBLAS_OP_N : CUBLAS_OP_T;
  const cublasOperation_t op_a = da.row_major ? CUBLAS_OP_N : CUBLAS_OP_T;
  cublasHandle_t h = handle(out.device().index);
  const int im = static_cast<int>(m), in = static_cast<int>(n), ik = static_cast<int>(k);
  if (out.dtype() == kFloat32) {
    const float al = static_cast<float>(alpha), be = static_cast<float>(beta);
    const cublasComputeType_t compute =
        allow_tf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
    TG_CUBLAS_CHECK(cublasGemmStridedBatchedEx(
        h, op_w, op_a, im, in, ik, &al, dw.t.data_ptr(), CUDA_R_32F, static_cast<int>(dw.ld),
        dw.batch_stride, da.t.data_ptr(), CUDA_R_32F, static_cast<int>(da.ld), da.batch_stride, &be,
        out.data_ptr(), CUDA_R_32F, im, n * m, static_cast<int>(batch), compute,
        CUBLAS_GEMM_DEFAULT));
  } else {
    const double al = alpha, be = beta;
    TG_CUBLAS_CHECK(cublasGemmStridedBatchedEx(
        h, op_w, op_a, im, in, ik, &al, dw.t.data_ptr(), CUDA_R_64F, static_cast<int>(dw.ld),
        dw.batch_stride, da.t.data_ptr(), CUDA_R_64F, static_cast<int>(da.ld), da.batch_stride, &be,
        out.data_ptr(), CUDA_R_64F, im, n * m, static_cast<int>(batch), CUBLAS_COMPUTE_64F,
        CUBLAS_GEMM_DEFAULT));
  }
}

}  // namespace tg::kernels::cuda
