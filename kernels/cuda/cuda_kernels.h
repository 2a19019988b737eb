// kernels/cuda/cuda_kernels.h — the CUDA backend's primitives, one family per source file. Same
// contracts as kernels/backend.h; the caller (backend.cpp) has already made the tensors' device
// current. Plain C++ declarations (no CUDA headers).
#pragma once

#include "../backend.h"

namespace tg::kernels::cuda {

// elementwise.cu
void copy(const Tensor& src, const Tensor& dst);
void fill(const Tensor& dst, Scalar value);
void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out);
void uniform(const Tensor& out, uint64_t seed, uint64_t offset, double low, double high);
void normal(const Tensor& out, uint64_t seed, uint64_t offset, double mean, double stddev);
void randint(const Tensor& out, uint64_t seed, uint64_t offset, int64_t low, int64_t high);
// unary.cu, binary.cu: the functors.h tables
void unary(UnaryOp op, const UnaryParams& p, const Tensor& x, const Tensor& out);
void binary(BinaryOp op, double alpha, const Tensor& a, const Tensor& b, const Tensor& out);
// reduce.cu
void reduce(ReduceOp op, const Tensor& x, const bool* reduce, const Tensor& out);
void arg_reduce(bool is_max, const Tensor& x, int dim, const Tensor& values, const Tensor& indices);
void softmax(const Tensor& x, int dim, bool log, const Tensor& out);
// gemm.cu: cuBLAS for float/double, a plain kernel for int64
void gemm(const Tensor& a, const Tensor& w, const Tensor& out, double alpha, double beta);
// index.cu
void index_select(const Tensor& x, int dim, const Tensor& index, const Tensor& out);
void gather(const Tensor& x, int dim, const Tensor& index, const Tensor& out);
void scatter(const Tensor& out, int dim, const Tensor& index, const Tensor& src, bool accumulate);
void index_add(const Tensor& out, int dim, const Tensor& index, const Tensor& src, double alpha);
// sort.cu (CUB radix sorts)
void sort_rows(const Tensor& x, bool descending, int64_t k, const Tensor& values,
               const Tensor& indices);
// A sparse-rows tensor's coalesce: unique sorted rows and, for each, its value rows summed in
// their original order (the CPU's index_add order). indices < num_rows.
void coalesce_rows(const Tensor& indices, const Tensor& values, int64_t num_rows, Tensor& rows_out,
                   Tensor& values_out);
// Stable sort of n non-negative int64 keys < key_bound, returning the permutation (int64) that
// sorts them: perm[j] = position of the j-th smallest key (equal keys keep their order).
void stable_argsort_keys(const int64_t* keys, int64_t n, int64_t key_bound, int64_t* sorted_keys,
                         int64_t* perm, int device);

// optim.cu: fused optimizer updates (Backend::fused_adam / fused_sparse_adam); false when the
// tensors' layout does not fit, and the optimizer then runs its reference ops.
bool fused_adam(const Tensor& p, const Tensor& grad, const Tensor& m, const Tensor& v,
                const Backend::AdamStep& step);
bool fused_sparse_adam(const Tensor& p, const Tensor& m, const Tensor& v, const Tensor& rows,
                       const Tensor& values, const Backend::SparseAdamStep& step);

// Sizes of t viewed as [A, R, B] around `dim`: A = prod(before), R = size(dim), B = prod(after).
void split_around(const DimVec& sizes, int dim, int64_t& a, int64_t& r, int64_t& b);

}  // namespace tg::kernels::cuda
