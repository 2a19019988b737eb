// autograd/functions/sparse.cpp — sparse-rows tensors and the embedding lookup whose gradient is
// one (Embedding(sparse=true)).
#include "../../tensor/sparse.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "../grad_mode.h"
#include "../record.h"
#include "op_utils.h"

namespace tg {
namespace {

const SparseParts& parts(const Tensor& t, const char* op) {
  TG_CHECK(t.is_sparse(), op, ": expected a sparse-rows tensor");
  return t.impl().sparse_parts();
}

}  // namespace

Tensor sparse_rows(const Tensor& indices, const Tensor& values, const DimVec& dense_shape,
                   bool coalesced) {
  const char* op = "sparse_rows";
  detail::check_index_dtype(indices, op);
  TG_CHECK(indices.dim() == 1, op, ": indices must be 1-D, got shape ", indices.sizes());
  TG_CHECK(!indices.is_sparse() && !values.is_sparse(), op, ": parts must be dense tensors");
  TG_CHECK(dense_shape.size() >= 1, op, ": the dense shape needs at least one dimension");
  TG_CHECK(values.dim() == dense_shape.size() && values.size(0) == indices.size(0), op,
           ": values of shape ", values.sizes(), " do not match ", indices.size(0),
           " indices for dense shape ", dense_shape);
  for (int d = 1; d < dense_shape.size(); ++d)
    TG_CHECK(values.size(d) == dense_shape[d], op, ": values of shape ", values.sizes(),
             " do not match the dense shape ", dense_shape, " in dimension ", d);
  detail::check_same_device(indices, values, op);
  detail::check_index_bounds(indices, dense_shape[0], op, 0);
  auto p = std::make_shared<SparseParts>();
  p->indices = indices.detach();
  p->values = values.detach();
  p->coalesced = coalesced;
  auto storage = std::make_shared<Storage>(0, values.device());
  auto impl = std::make_shared<TensorImpl>(std::move(storage), dense_shape,
                                           contiguous_strides(dense_shape), 0, values.dtype());
  impl->set_sparse_parts(std::move(p));
  return Tensor(std::move(impl));
}

Tensor Tensor::indices() const { return parts(*this, "indices").indices; }
Tensor Tensor::values() const { return parts(*this, "values").values; }
bool Tensor::is_coalesced() const { return parts(*this, "is_coalesced").coalesced; }

Tensor Tensor::to_dense() const {
  if (!is_sparse()) return *this;
  const SparseParts& p = impl().sparse_parts();
  NoGradGuard no_grad;
  return index_add(zeros(sizes(), dtype(), device()), 0, p.indices, p.values);
}

namespace {

// The positions of `key` in stable sorted order (equal keys keep their order). Row ids are
// non-negative: an LSD radix sort on 11-bit digits, O(n) per digit, replaces an O(n log n)
// comparison sort — coalescing runs once per sparse gradient per step. Same order as
// std::stable_sort, so results are bitwise unchanged.
std::vector<int64_t> stable_order(const std::vector<int64_t>& key) {
  const size_t n = key.size();
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), int64_t{0});
  const bool non_negative = std::all_of(key.begin(), key.end(), [](int64_t k) { return k >= 0; });
  if (n < 256 || !non_negative) {
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return key[a] < key[b]; });
    return order;
  }
  const uint64_t max_key = static_cast<uint64_t>(*std::max_element(key.begin(), key.end()));
  constexpr int kBits = 11;
  constexpr uint64_t kMask = (uint64_t{1} << kBits) - 1;
  std::vector<int64_t> next(n);
  std::vector<size_t> start(size_t{1} << kBits);
  for (int shift = 0; shift < 64 && (shift == 0 || (max_key >> shift) != 0); shift += kBits) {
    std::fill(start.begin(), start.end(), 0);
    for (int64_t i : order) ++start[(static_cast<uint64_t>(key[static_cast<size_t>(i)]) >> shift) & kMask];
    size_t sum = 0;
    for (size_t& c : start) sum += std::exchange(c, sum);
    for (int64_t i : order)
      next[start[(static_cast<uint64_t>(key[static_cast<size_t>(i)]) >> shift) & kMask]++] = i;
    order.swap(next);
  }
  return order;
}

}  // namespace

Tensor Tensor::coalesce() const {
  const SparseParts& p = parts(*this, "coalesce");
  if (p.coalesced) return *this;
  NoGradGuard no_grad;
  Tensor gpu_rows, gpu_vals;  // a GPU sorts and sums on the device (same result as below)
  if (!device().is_cpu() && detail::backend_of(*this, "coalesce")
                                .coalesce_rows(p.indices, p.values, size(0), gpu_rows, gpu_vals))
    return sparse_rows(gpu_rows, gpu_vals, sizes(), true);
  // Segment ids from the sorted indices (host side: nnz is a batch, not a table), then one
  // index_add sums the value rows of each segment on the tensors' own device.
  std::vector<int64_t> idx = p.indices.to_vector<int64_t>();
  std::vector<int64_t> order = stable_order(idx);
  std::vector<int64_t> unique_rows, segment(idx.size());
  for (size_t k = 0; k < order.size(); ++k) {
    int64_t row = idx[order[k]];
    if (unique_rows.empty() || unique_rows.back() != row) unique_rows.push_back(row);
    segment[order[k]] = static_cast<int64_t>(unique_rows.size()) - 1;
  }
  DimVec vshape = p.values.sizes();
  vshape[0] = static_cast<int64_t>(unique_rows.size());
  Tensor seg = from_vector(segment, std::nullopt, device());
  // The backend's index_add straight into the zeros: the segment ids are in range by construction,
  // so the public op's bounds check and copy of the destination are skipped (same bits).
  Tensor vals = zeros(vshape, dtype(), device());
  if (!idx.empty())
    detail::backend_of(*this, "coalesce").index_add(vals, 0, seg, p.values.to(dtype()), 1.0);
  return sparse_rows(from_vector(unique_rows, std::nullopt, device()), vals, sizes(), true);
}

Tensor sparse_add(const Tensor& a, const Tensor& b) {
  TG_CHECK(a.sizes() == b.sizes(), "sparse_add: shapes ", a.sizes(), " and ", b.sizes(),
           " differ");
  if (!a.is_sparse() && !b.is_sparse()) return add(a, b);
  if (a.is_sparse() && b.is_sparse()) {
    const SparseParts &pa = a.impl().sparse_parts(), &pb = b.impl().sparse_parts();
    NoGradGuard no_grad;
    return sparse_rows(cat({pa.indices, pb.indices}), cat({pa.values, pb.values.to(a.dtype())}),
                       a.sizes());
  }
  const Tensor& dense = a.is_sparse() ? b : a;
  const Tensor& sp = a.is_sparse() ? a : b;
  const SparseParts& p = sp.impl().sparse_parts();
  return index_add(dense, 0, p.indices, p.values.to(dense.dtype()));
}

void add_sparse_(Tensor& dst, const Tensor& src, double alpha) {
  TG_CHECK(!dst.is_sparse(), "add_sparse_: the destination must be dense");
  detail::check_same_device(dst, src, "add_sparse_");  // the backend call below does not check
  TG_CHECK(dst.sizes() == src.sizes(), "add_sparse_: shapes ", dst.sizes(), " and ", src.sizes(),
           " differ");
  NoGradGuard no_grad;
  if (!src.is_sparse()) {
    dst.add_(src, alpha);
    return;
  }
  const SparseParts& p = src.impl().sparse_parts();
  TG_CHECK(dst.is_contiguous(), "add_sparse_: the destination must be contiguous");
  if (p.indices.numel() == 0) return;
  detail::backend_of(dst, "add_sparse_")
      .index_add(dst, 0, p.indices, p.values.to(dst.dtype()), alpha);
  dst.impl().storage()->bump_version();
}

Tensor embedding(const Tensor& weight, const Tensor& indices, bool sparse_grad) {
  if (!sparse_grad) return embedding(weight, indices);
  const char* op = "embedding";
  detail::check_defined(weight, op, "weight");
  TG_CHECK(weight.dim() == 2, op, ": weight must be 2-D [num_embeddings, dim], got ",
           weight.sizes());
  detail::check_index_dtype(indices, op);
  Tensor flat = indices.reshape({-1});
  Tensor rows;
  {
    NoGradGuard no_grad;
    rows = index_select(weight, 0, flat);
  }
  DimVec shape = indices.sizes();
  shape.push_back(weight.size(1));
  Tensor out = rows.view(shape);
  if (autograd::needs_grad(weight))
    autograd::record("EmbeddingSparseBackward0", out, {weight},
                     [idx = autograd::save(flat), vshape = weight.sizes()](const Tensor& g, const autograd::Needs&) {
      // One gradient row per looked-up id; the [V, D] dense gradient is never built.
      Tensor vals = g.reshape({-1, vshape[1]});
      if (GradMode::is_enabled())  // create_graph: keep it differentiable, densely
        return autograd::Grads{index_add(zeros(vshape, g.dtype(), g.device()), 0, idx.unpack(), vals)};
      return autograd::Grads{sparse_rows(idx.unpack(), vals.contiguous(), vshape)};
    });
  return out;
}

}  // namespace tg
