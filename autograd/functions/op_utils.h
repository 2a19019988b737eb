// autograd/functions/op_utils.h — argument checks and helpers shared by the op definitions.
// Internal header (not installed).
#pragma once

#include <string>

#include "../../kernels/backend.h"
#include "../../tensor/ops.h"

namespace tg::detail {

inline kernels::Backend& backend_of(const Tensor& t, const char* op) {
  return kernels::backend(t.device(), op);
}

inline void check_defined(const Tensor& t, const char* op, const char* what = "input") {
  TG_CHECK(t.defined(), op, ": ", what, " is an undefined tensor");
}

inline void check_same_device(const Tensor& a, const Tensor& b, const char* op) {
  TG_CHECK(a.device() == b.device(), op, ": expected all tensors on the same device, got ",
           a.device().str(), " and ", b.device().str());
}

inline void check_index_dtype(const Tensor& index, const char* op) {
  TG_CHECK(index.dtype() == kInt64, op, ": index tensor must be int64, got ",
           dtype_name(index.dtype()));
}

// Throws unless every index value lies in [0, size).
void check_index_bounds(const Tensor& index, int64_t size, const char* op, int dim);

// Writes are illegal into tensors where several elements share one memory location.
void check_no_internal_overlap(const Tensor& t, const char* op);

// The dtype of `t op scalar`: the tensor's dtype unless the scalar is of a higher category
// (a float scalar with an integer/bool tensor gives float32; an int scalar with bool gives int64).
inline DType scalar_result_type(const Tensor& t, Scalar s) {
  if (s.kind() <= t.dtype() || (s.kind() == kFloat64 && is_floating(t.dtype()))) return t.dtype();
  return s.kind() == kFloat64 ? kDefaultFloat : s.kind();
}

// A new tensor sharing t's storage with different sizes/strides/offset (no checks).
Tensor make_view(const Tensor& t, const DimVec& sizes, const DimVec& strides, int64_t offset);

// Normalises a list of reduction dims ({} = all) into a mask over t's dims.
void reduction_mask(const Tensor& t, const DimVec& dims, const char* op, bool (&mask)[kMaxDims]);

}  // namespace tg::detail
