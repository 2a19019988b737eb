// kernels/backend.h — the small set of primitives every device backend implements.
//
// Ops (autograd/functions/*.cpp) validate arguments, compute output shapes and dtypes, allocate
// outputs, and then call exactly one of these primitives on backend(device). A backend never sees
// broadcasting rules or dtype promotion: inputs arrive already expanded (stride 0) to the output
// shape and already in the compute dtype. Not a public header.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../tensor/tensor.h"
#include "functors.h"

namespace tg::kernels {

enum class ReduceOp : uint8_t { Sum, Prod, Max, Min };

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;

  // Memory. allocate throws tg::Error (out of memory) instead of returning null.
  virtual void* allocate(size_t nbytes) = 0;
  virtual void deallocate(void* ptr, size_t nbytes) = 0;
  virtual void copy_from_host(void* dst, const void* src, size_t nbytes) = 0;
  virtual void copy_to_host(void* dst, const void* src, size_t nbytes) = 0;

  // dst[i] = convert(src[i]); same shape, any strides and dtypes, both on this backend.
  virtual void copy(const Tensor& src, const Tensor& dst) = 0;
  virtual void fill(const Tensor& dst, Scalar value) = 0;

  // out = f(x) / f(a, b) / cond ? a : b. Inputs have out's shape (possibly stride-0 broadcast).
  virtual void unary(UnaryOp op, const UnaryParams& p, const Tensor& x, const Tensor& out) = 0;
  virtual void binary(BinaryOp op, double alpha, const Tensor& a, const Tensor& b,
                      const Tensor& out) = 0;
  virtual void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) = 0;

  // out has x's shape with size 1 on every reduced dim (reduce[d] true).
  virtual void reduce(ReduceOp op, const Tensor& x, const bool* reduce, const Tensor& out) = 0;
  // values/indices have x's shape with size 1 on `dim`; first occurrence wins ties.
  virtual void arg_reduce(bool is_max, const Tensor& x, int dim, const Tensor& values,
                          const Tensor& indices) = 0;

  // out[b] = alpha * a[b] @ w[b] + beta * out[b]; a [B, N, K], w [B, K, M], out [B, N, M],
  // any strides. beta == 0 ignores out's previous contents (even NaN).
  virtual void gemm(const Tensor& a, const Tensor& w, const Tensor& out, double alpha,
                    double beta) = 0;

  // Index primitives. Indices are int64 and already bounds-checked by the op.
  virtual void index_select(const Tensor& x, int dim, const Tensor& index, const Tensor& out) = 0;
  virtual void gather(const Tensor& x, int dim, const Tensor& index, const Tensor& out) = 0;
  // out[.. index[i] ..] = src[i] (or += when accumulate); serialised where indices repeat.
  virtual void scatter(const Tensor& out, int dim, const Tensor& index, const Tensor& src,
                       bool accumulate) = 0;
  // out.select(dim, index[i]) += alpha * src.select(dim, i)
  virtual void index_add(const Tensor& out, int dim, const Tensor& index, const Tensor& src,
                         double alpha) = 0;
  // Sorts each row of a contiguous [rows, n] x (NaN sorts as the largest value; ties keep the
  // lower index first) and writes the first k of each row to contiguous [rows, k] outputs.
  virtual void sort_rows(const Tensor& x, bool descending, int64_t k, const Tensor& values,
                         const Tensor& indices) = 0;
  virtual void softmax(const Tensor& x, int dim, bool log, const Tensor& out) = 0;
  // Batched SPD solve a [B, K, K] x = b [B, K, M] (contiguous out); false if some a is not SPD.
  virtual bool cholesky_solve(const Tensor& a, const Tensor& b, const Tensor& out) = 0;

  // Random fills from the Philox stream (seed, counter offset). Element i uses counter offset + i.
  virtual void uniform(const Tensor& out, uint64_t seed, uint64_t offset, double low,
                       double high) = 0;
  virtual void normal(const Tensor& out, uint64_t seed, uint64_t offset, double mean,
                      double stddev) = 0;
  virtual void randint(const Tensor& out, uint64_t seed, uint64_t offset, int64_t low,
                       int64_t high) = 0;

  // Optional: gather / scatter into a fresh output with the bounds check in the same pass (the
  // op then skips its own, which reads the index once more). Every index value must be in
  // [0, size): 1 = done; 0 = some value was not (out then holds garbage, and the op runs its
  // check to report it); -1 = not available here (the op checks first, then calls gather /
  // scatter).
  virtual int gather_checked(const Tensor& x, int dim, const Tensor& index, const Tensor& out,
                             int64_t size) {
    (void)x, (void)dim, (void)index, (void)out, (void)size;
    return -1;
  }
  virtual int scatter_checked(const Tensor& out, int dim, const Tensor& index, const Tensor& src,
                              bool accumulate, int64_t size) {
    (void)out, (void)dim, (void)index, (void)src, (void)accumulate, (void)size;
    return -1;
  }
  // Optional: the smallest and largest value of an int64 index tensor in one pass (the ops'
  // bounds check); false: the caller takes amin and amax.
  virtual bool index_minmax(const Tensor& index, int64_t& mn, int64_t& mx) {
    (void)index, (void)mn, (void)mx;
    return false;
  }

  // Optional fused optimizer updates. A backend that has one updates the tensors in place and
  // returns true; otherwise (the default, or a layout it does not take) it returns false and the
  // optimizer runs its reference sequence of primitives. The CPU and CUDA backends have both; the
  // CPU's give the reference's bits (tests/test_fused_ops.cpp). The caller bumps the version
  // counters.
  struct AdamStep {
    double lr, beta1, beta2, eps, weight_decay, bias_correction1, bias_correction2;
    bool decoupled;  // AdamW: p *= 1 - lr * weight_decay instead of grad += weight_decay * p
  };
  // Adam/AdamW without amsgrad on p, grad, exp_avg m, exp_avg_sq v (same shape and dtype).
  virtual bool fused_adam(const Tensor& p, const Tensor& grad, const Tensor& m, const Tensor& v,
                          const AdamStep& step) {
    (void)p, (void)grad, (void)m, (void)v, (void)step;
    return false;
  }
  // Optional: a sparse-rows tensor's coalesce (sorted unique rows < num_rows, value rows of each
  // summed in original order) computed on the device; false: the caller's reference path.
  virtual bool coalesce_rows(const Tensor& indices, const Tensor& values, int64_t num_rows,
                             Tensor& rows_out, Tensor& values_out) {
    (void)indices, (void)values, (void)num_rows, (void)rows_out, (void)values_out;
    return false;
  }
  struct SparseAdamStep {
    double beta1, beta2, eps, step_size;  // step_size = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
  };
  // SparseAdam's lazy update of rows `rows` (unique, int64 [R]) of p, m, v from values [R, ...].
  virtual bool fused_sparse_adam(const Tensor& p, const Tensor& m, const Tensor& v,
                                 const Tensor& rows, const Tensor& values,
                                 const SparseAdamStep& step) {
    (void)p, (void)m, (void)v, (void)rows, (void)values, (void)step;
    return false;
  }
};

// The backend for a device; throws tg::Error naming the op when it is not available.
Backend& backend(Device device, const char* op = "tensor");
bool has_backend(DeviceType type);

// Defined by kernels/cpu and (when built with CUDA) kernels/cuda. Looked up explicitly rather than
// self-registered, so that static linking cannot drop a backend's object file.
Backend& cpu_backend();
// The backend of GPU `index`: null when no GPU is usable; throws tg::Error for an index past the
// last GPU.
Backend* cuda_backend(int index = 0);

}  // namespace tg::kernels
