// kernels/cpu/gemm.cpp — batched matrix multiply through tapegrad's packed kernel, Eigen's GEMM
// or OpenBLAS (gemm_backend.h picks one; int64 always runs in Eigen here).
//
// Each operand is mapped without copying when one of its two matrix strides is 1 (row-major or
// column-major, e.g. a transposed view); otherwise it is made contiguous first. float and double
// products run in OpenBLAS (one thread per call) or in the ISA-dispatched Eigen copy (simd.h:
// AVX-512 / AVX2+FMA / SSE2). Batches run in parallel when there are several small ones; a single
// large product is split into row blocks run by parallel_for (Eigen's own threads are off:
// EIGEN_DONT_PARALLELIZE). The blocks depend on the shape and the machine, never on the thread
// count, so results are bitwise the same for any number of threads. The packed kernel
// (gemm_packed.h) takes each product whole and runs its own threads: its bits do not depend on
// how rows are split at all.
#include <algorithm>
#include <cstdlib>
#include <thread>

#include <Eigen/Core>

#include "cpu_kernels.h"
#include "gemm_backend.h"
#include "gemm_packed.h"
#include "parallel.h"
#include "simd.h"

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

// Rows per block when one large product is split (see the file comment).
// Eigen: half of n, rounded to 16, within [64, 256]: two blocks for n = 256 (both threads busy),
// and >= 256 rows for large n, where repacking W once per block costs ~1% (128-row blocks cost
// ~5% at 1024 and ~15% on [1024,128]x[128,64]; docs/benchmarks.md).
// OpenBLAS repacks W in every call and costs ~10% more at 256-row blocks for n >= 1024 (measured
// by thread CPU time, one thread): it gets at least n / (this machine's cores) rows per block,
// so one block per core. Either way the blocks depend on the shape and the machine, never on
// the thread count. TG_GEMM_ROW_BLOCK overrides it, for measuring.
int64_t gemm_row_block(int64_t n, bool blas) {
  static const int64_t env = [] {
    const char* e = std::getenv("TG_GEMM_ROW_BLOCK");
    return e ? std::atoll(e) : int64_t{0};
  }();
  if (env > 0) return env;
  const int64_t half = std::clamp<int64_t>(((n + 1) / 2 + 15) / 16 * 16, 64, 256);
  if (!blas) return half;
  static const int64_t cores = std::max<int64_t>(1, std::thread::hardware_concurrency());
  return std::max(half, ((n + cores - 1) / cores + 15) / 16 * 16);
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
  // Rows [r0, r1) of batch b.
  auto one = [&](int64_t b, int64_t r0, int64_t r1) {
    const T* ab = ap + b * da.batch_stride + r0 * (da.row_major ? da.ld : 1);
    const T* wb = wp + b * dw.batch_stride;
    T* cb = op + b * n * m + r0 * m;
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      simd::GemmArgs g{ab, wb, cb, r1 - r0, k, m, da.ld, dw.ld, std::max<int64_t>(m, 1),
                       da.row_major, dw.row_major, alpha, beta};
      if constexpr (std::is_same_v<T, float>) {
        if (!blas_gemm_f32(g)) simd::kernels().gemm_f32(g);
      } else {
        if (!blas_gemm_f64(g)) simd::kernels().gemm_f64(g);
      }
    } else {
      const int64_t rows = r1 - r0;
      Eigen::Map<RowMat<T>> c(cb, rows, m);
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
        if (dw.row_major) run(A, Eigen::Map<const RowMat<T>, 0, Stride>(wb, k, m, Stride(dw.ld)));
        else run(A, Eigen::Map<const ColMat<T>, 0, Stride>(wb, k, m, Stride(dw.ld)));
      };
      if (da.row_major) with_w(Eigen::Map<const RowMat<T>, 0, Stride>(ab, rows, k, Stride(da.ld)));
      else with_w(Eigen::Map<const ColMat<T>, 0, Stride>(ab, rows, k, Stride(da.ld)));
    }
  };
  // Resolved here, outside any parallel region: a bad TG_GEMM throws tg::Error to the caller
  // (an exception may not leave an OpenMP region).
  constexpr bool fp = std::is_same_v<T, float> || std::is_same_v<T, double>;
  const GemmBackend backend = fp ? gemm_backend_kind() : GemmBackend::Eigen;
  const bool blas = backend == GemmBackend::OpenBlas;
  const int64_t work = n * m * k;
  if constexpr (fp) {
    constexpr bool dbl = std::is_same_v<T, double>;
    const PackedGemm* pk = backend == GemmBackend::Packed ? packed_gemm_kernels(dbl) : nullptr;
    if (pk && packed_gemm_suits(n, k, m)) {
      auto whole = [&](int64_t b, bool parallel) {
        const simd::GemmArgs g{ap + b * da.batch_stride, wp + b * dw.batch_stride, op + b * n * m,
                               n, k, m, da.ld, dw.ld, std::max<int64_t>(m, 1), da.row_major,
                               dw.row_major, alpha, beta};
        if (!packed_gemm(*pk, g, dbl, parallel)) {
          if constexpr (dbl) simd::kernels().gemm_f64(g);
          else simd::kernels().gemm_f32(g);
        }
      };
      if (batch > 1 && work < (int64_t{1} << 21)) {
        parallel_for(batch, std::max<int64_t>(1, kGrain / std::max<int64_t>(work, 1)),
                     [&](int64_t b0, int64_t e0) {
                       for (int64_t b = b0; b < e0; ++b) whole(b, false);
                     });
      } else {
        for (int64_t b = 0; b < batch; ++b) whole(b, true);
      }
      return;
    }
  }
  if (batch > 1 && work < (int64_t{1} << 21)) {
    parallel_for(batch, std::max<int64_t>(1, kGrain / std::max<int64_t>(work, 1)),
                 [&](int64_t b0, int64_t e0) {
                   for (int64_t b = b0; b < e0; ++b) one(b, 0, n);
                 });
    return;
  }
  const int64_t rb = gemm_row_block(n, blas);
  const int64_t blocks = work >= (int64_t{1} << 21) && n >= 2 * rb ? (n + rb - 1) / rb : 1;
  for (int64_t b = 0; b < batch; ++b) {
    if (blocks == 1) {
      one(b, 0, n);
      continue;
    }
    parallel_for(blocks, 1, [&](int64_t q0, int64_t q1) {
      for (int64_t q = q0; q < q1; ++q) one(b, q * rb, std::min(n, (q + 1) * rb));
    });
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
