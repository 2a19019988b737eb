// tensor/sparse.h — sparse-rows tensors: the gradient of an embedding lookup.
//
// A sparse-rows tensor of dense shape [V, D...] is a list of row indices [nnz] (int64, possibly
// repeated and unsorted) with one value row each [nnz, D...]; the dense tensor it stands for is
// zeros([V, D...]) with values[k] added at row indices[k]. An embedding of 10^6 rows looked up
// with a batch of 1,024 ids has a 1,024-row gradient: the [V, D] dense gradient never exists.
// Only a few operations accept them (to_dense, coalesce, indices, values, sparse_add and the
// sparse-aware optimizers); any dense op throws a tg::Error telling you to call to_dense().
#pragma once

#include "tensor.h"

namespace tg {

struct SparseParts {
  Tensor indices;  // [nnz] int64
  Tensor values;   // [nnz, ...]
  bool coalesced = false;
};

// Builds a sparse-rows tensor; checks shapes, dtypes, devices and index bounds.
Tensor sparse_rows(const Tensor& indices, const Tensor& values, const DimVec& dense_shape,
                   bool coalesced = false);

// a + b where either may be sparse: sparse + sparse stays sparse (indices concatenated, not
// coalesced); anything + dense is dense.
Tensor sparse_add(const Tensor& a, const Tensor& b);

// Adds a (sparse or dense) gradient into a dense tensor in place: dst[indices[k]] += alpha * values[k].
void add_sparse_(Tensor& dst, const Tensor& src, double alpha = 1.0);

}  // namespace tg
