// kernels/cpu/cpu_kernels.h — the CPU backend's primitives, one family per .cpp file.
#pragma once

#include "../backend.h"

namespace tg::kernels::cpu {

// elementwise.cpp
void copy(const Tensor& src, const Tensor& dst);
void fill(const Tensor& dst, Scalar value);
void unary(UnaryOp op, const UnaryParams& p, const Tensor& x, const Tensor& out);
void binary(BinaryOp op, double alpha, const Tensor& a, const Tensor& b, const Tensor& out);
void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out);
// random.cpp
void uniform(const Tensor& out, uint64_t seed, uint64_t offset, double low, double high);
void normal(const Tensor& out, uint64_t seed, uint64_t offset, double mean, double stddev);
void randint(const Tensor& out, uint64_t seed, uint64_t offset, int64_t low, int64_t high);
// reduce.cpp
void reduce(ReduceOp op, const Tensor& x, const bool* reduce, const Tensor& out);
void arg_reduce(bool is_max, const Tensor& x, int dim, const Tensor& values, const Tensor& indices);
void softmax(const Tensor& x, int dim, bool log, const Tensor& out);
// gemm.cpp
void gemm(const Tensor& a, const Tensor& w, const Tensor& out, double alpha, double beta);
// solve.cpp: a [B, K, K] SPD, b [B, K, M] -> out [B, K, M]; false if a matrix is not SPD.
bool cholesky_solve(const Tensor& a, const Tensor& b, const Tensor& out);
// index.cpp
void index_select(const Tensor& x, int dim, const Tensor& index, const Tensor& out);
// gather / scatter skip index values outside [0, bound) and return false if they met any.
bool gather(const Tensor& x, int dim, const Tensor& index, const Tensor& out,
            uint64_t bound = UINT64_MAX);
bool scatter(const Tensor& out, int dim, const Tensor& index, const Tensor& src, bool accumulate,
             uint64_t bound = UINT64_MAX);
void index_add(const Tensor& out, int dim, const Tensor& index, const Tensor& src, double alpha);
bool index_minmax(const Tensor& index, int64_t& mn, int64_t& mx);
void sort_rows(const Tensor& x, bool descending, int64_t k, const Tensor& values,
               const Tensor& indices);

// A view of `t` with the given sizes/strides (elements) and t's storage offset.
Tensor restride(const Tensor& t, const DimVec& sizes, const DimVec& strides);
// Sizes of t viewed as [A, R, B] around `dim`: A = prod(before), R = size(dim), B = prod(after).
void split_around(const DimVec& sizes, int dim, int64_t& a, int64_t& r, int64_t& b);

}  // namespace tg::kernels::cpu
