// kernels/cpu/gemm.cpp — batched matrix multiply through Eigen's GEMM.
//
// Each operand is mapped without copying when one of its two matrix strides is 1 (row-major or
// column-major, e.g. a transposed view); otherwise it is made contiguous first. Batches run in
// parallel when there are several small ones; a single large product lets Eigen use its own
// OpenMP threads (Eigen does not nest inside our parallel region).
#include <Eigen/Core>

#include "cpu_kernels.h"
#include "parallel.h"

namespace tg::kernels::cpu {
namespace {

using Eigen::Dynamic;
template <class T>
using RowMat = Eigen::Matrix<T, Dynamic, Dynamic, Eigen::RowMajor>;
template <class T>
using ColMat = Eigen::Matrix<T, Dynamic, Dynamic, Eigen::ColMajor>;

// A 3-D operand [B, rows, cols] whose matrix part has a unit stride on one side.
struct MatDesc {
  Tensor t;
  bool row_major = true;
  int64_t ld = 0;  // leading dimension (elements)
  int64_t batch_stride = 0;
};

MatDesc describe(const Tensor& t) {
  const int64_t rows = t.size(1), cols = t.size(2);
  MatDesc d;
  d.t = t;
  if (t.stride(2) == 1 && (rows <= 1 || t.stride(1) >= cols)) {
    d.row_major = true;
    d.ld = rows <= 1 ? std::max<int64_t>(cols, 1) : t.stride(1);
  } else if (t.stride(1) == 1 && (cols <= 1 || t.stride(2) >= rows)) {
    d.row_major = false;
    d.ld = cols <= 1 ? std::max<int64_t>(rows, 1) : t.stride(2);
  } else {  // no unit stride (or overlapping, e.g. expanded): one contiguous copy
    d.t = t.contiguous();
    d.row_major = true;
    d.ld = std::max<int64_t>(cols, 1);
  }
  d.batch_stride = d.t.stride(0);
  return d;
}

template <class T>
void gemm_typed(const Tensor& a, const Tensor& w, const Tensor& out, double alpha, double beta) {
  const int64_t batch = out.size(0), n = out.size(1), m = out.size(2), k = a.size(2);
  MatDesc da = describe(a), dw = describe(w);
  TG_INTERNAL_ASSERT(out.is_contiguous());
  T* op = static_cast<T*>(out.data_ptr());
  const T* ap = static_cast<const T*>(da.t.data_ptr());
  const T* wp = static_cast<const T*>(dw.t.data_ptr());
  using Stride = Eigen::OuterStride<>;
  auto one = [&](int64_t b) {
    Eigen::Map<RowMat<T>> c(op + b * n * m, n, m);
    auto run = [&](const auto& A, const auto& W) {
      if (k == 0) {
        if (beta == 0) c.setZero();
        else c *= static_cast<T>(beta);
        return;
      }
      if (beta == 0) c.noalias() = static_cast<T>(alpha) * (A * W);
      else c = static_cast<T>(beta) * c + static_cast<T>(alpha) * (A * W);
    };
    auto with_w = [&](const auto& A) {
      const T* wb = wp + b * dw.batch_stride;
      if (dw.row_major) run(A, Eigen::Map<const RowMat<T>, 0, Stride>(wb, k, m, Stride(dw.ld)));
      else run(A, Eigen::Map<const ColMat<T>, 0, Stride>(wb, k, m, Stride(dw.ld)));
    };
    const T* ab = ap + b * da.batch_stride;
    if (da.row_major) with_w(Eigen::Map<const RowMat<T>, 0, Stride>(ab, n, k, Stride(da.ld)));
    else with_w(Eigen::Map<const ColMat<T>, 0, Stride>(ab, n, k, Stride(da.ld)));
  };
  if (batch > 1 && n * m * k < (int64_t{1} << 21)) {
    parallel_for(batch, std::max<int64_t>(1, kGrain / std::max<int64_t>(n * m * k, 1)),
                 [&](int64_t b0, int64_t e0) {
                   for (int64_t b = b0; b < e0; ++b) one(b);
                 });
  } else {
    for (int64_t b = 0; b < batch; ++b) one(b);
  }
}

}  // namespace

void gemm(const Tensor& a, const Tensor& w, const Tensor& out, double alpha, double beta) {
  switch (out.dtype()) {
    case DType::Float32: gemm_typed<float>(a, w, out, alpha, beta); break;
    case DType::Float64: gemm_typed<double>(a, w, out, alpha, beta); break;
    case DType::Int64: gemm_typed<int64_t>(a, w, out, alpha, beta); break;
    default: TG_THROW("matmul: dtype ", dtype_name(out.dtype()), " is not supported");
  }
}

}  // namespace tg::kernels::cpu
