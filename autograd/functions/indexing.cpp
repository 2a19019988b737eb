// autograd/functions/indexing.cpp — index_select, gather, scatter, index_add, masked_fill, take,
// embedding, cat, stack, split, chunk, topk, sort (forward). Every index is bounds-checked here,
// so kernels may assume valid indices.
#include "../record.h"
#include "op_utils.h"

namespace tg {
namespace {

using autograd::Grads;
using autograd::Needs;

void check_gather_shapes(const Tensor& x, int d, const Tensor& index, const char* op) {
  TG_CHECK(index.dim() == x.dim(), op, ": index must have the same number of dimensions as the ",
           "input (", index.sizes(), " vs ", x.sizes(), ")");
  for (int i = 0; i < x.dim(); ++i)
    TG_CHECK(i == d || index.size(i) <= x.size(i), op, ": index shape ", index.sizes(),
             " exceeds the input shape ", x.sizes(), " in dimension ", i);
}

}  // namespace

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  const char* op = "index_select";
  detail::check_defined(x, op);
  detail::check_defined(index, op, "index");
  detail::check_same_device(x, index, op);
  detail::check_index_dtype(index, op);
  TG_CHECK(index.dim() <= 1, op, ": index must be 0-D or 1-D, got shape ", index.sizes());
  TG_CHECK(x.dim() > 0 || index.numel() == 1, op, ": a 0-dim input takes exactly one index, got ",
           index.numel());
  Tensor xx = x.dim() == 0 ? x.reshape({1}) : x;
  int d = wrap_dim(dim, xx.dim(), op);
  detail::check_index_bounds(index, xx.size(d), op, d);
  DimVec shape = xx.sizes();
  shape[d] = index.numel();
  Tensor out = empty(shape, x.dtype(), x.device());
  if (out.numel() > 0) detail::backend_of(x, op).index_select(xx, d, index.reshape({-1}), out);
  if (autograd::needs_grad(xx))
    autograd::record("IndexSelectBackward0", out, {xx},
                     [idx = autograd::save(index.reshape({-1})), d, shape = xx.sizes()](const Tensor& g, const Needs&) {
      // rows picked several times receive the sum of their gradients
      return Grads{index_add(zeros(shape, g.dtype(), g.device()), d, idx.unpack(), g)};
    });
  if (x.dim() == 0) return out.view({});
  return out;
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  const char* op = "gather";
  detail::check_defined(x, op);
  detail::check_same_device(x, index, op);
  detail::check_index_dtype(index, op);
  int d = wrap_dim(dim, x.dim(), op);
  check_gather_shapes(x, d, index, op);
  // A 0-dim x acts as one element along dim (as in PyTorch): the only valid index is 0.
  const int64_t bound = x.dim() > 0 ? x.size(d) : 1;
  Tensor out = empty(index.sizes(), x.dtype(), x.device());
  if (out.numel() > 0) {
    kernels::Backend& be = detail::backend_of(x, op);
    const int done = be.gather_checked(x, d, index, out, bound);  // one pass: check and gather
    if (done != 1) detail::check_index_bounds(index, bound, op, d);  // throws when done == 0
    TG_INTERNAL_ASSERT(done != 0);
    if (done < 0) be.gather(x, d, index, out);
  }
  if (autograd::needs_grad(x))
    autograd::record("GatherBackward0", out, {x},
                     [idx = autograd::save(index), d, shape = x.sizes()](const Tensor& g, const Needs&) {
      return Grads{scatter_add(zeros(shape, g.dtype(), g.device()), d, idx.unpack(), g)};
    });
  return out;
}

namespace {

Tensor scatter_impl(const char* op, const Tensor& x, int64_t dim, const Tensor& index,
                    const Tensor& src, bool accumulate) {
  detail::check_defined(x, op);
  detail::check_same_device(x, index, op);
  detail::check_same_device(x, src, op);
  detail::check_index_dtype(index, op);
  int d = wrap_dim(dim, x.dim(), op);
  check_gather_shapes(x, d, index, op);
  TG_CHECK(src.dim() == index.dim(), op, ": src must have as many dims as index (",
           src.sizes(), " vs ", index.sizes(), ")");
  for (int i = 0; i < index.dim(); ++i)
    TG_CHECK(index.size(i) <= src.size(i), op, ": index shape ", index.sizes(),
             " exceeds the src shape ", src.sizes(), " in dimension ", i);
  // A 0-dim x acts as one element along dim (as in PyTorch): the only valid index is 0.
  const int64_t bound = x.dim() > 0 ? x.size(d) : 1;
  Tensor out;
  {
    NoGradGuard no_grad;  // the copy is an implementation detail, not part of the graph
    out = x.clone();
  }
  if (index.numel() > 0) {
    kernels::Backend& be = detail::backend_of(x, op);
    const Tensor s = src.to(x.dtype());
    // One pass: check and scatter into the fresh copy (discarded when an index is bad).
    const int done = be.scatter_checked(out, d, index, s, accumulate, bound);
    if (done != 1) detail::check_index_bounds(index, bound, op, d);  // throws when done == 0
    TG_INTERNAL_ASSERT(done != 0);
    if (done < 0) be.scatter(out, d, index, s, accumulate);
  }
  if (autograd::needs_grad(x, src))
    autograd::record(accumulate ? "ScatterAddBackward0" : "ScatterBackward0", out, {x, src},
                     [idx = autograd::save(index), d, accumulate, src_shape = src.sizes()](
                         const Tensor& g, const Needs& need) {
      Tensor iv = idx.unpack();
      // x: overwritten positions get no gradient (scatter); all of it passes through (scatter_add).
      Tensor gx = need[0] ? (accumulate ? g : scatter(g, d, iv, Scalar(0))) : Tensor();
      Tensor gs;
      if (need[1]) {  // src: the gradient at the position each element was written to
        gs = gather(g, d, iv);
        if (!(gs.sizes() == src_shape)) {  // src larger than index: the rest got no gradient
          Tensor z = zeros(src_shape, g.dtype(), g.device());
          Tensor region = z;
          for (int k = 0; k < iv.dim(); ++k) region = region.narrow(k, 0, iv.size(k));
          NoGradGuard no_grad;  // (this rare case is not twice differentiable)
          region.copy_(gs);
          gs = z;
        }
      }
      return Grads{gx, gs};
    });
  return out;
}

}  // namespace

Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_impl("scatter", x, dim, index, src, false);
}
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, Scalar value) {
  Tensor src = full({}, value, x.dtype(), x.device()).expand(index.sizes());
  return scatter_impl("scatter", x, dim, index, src, false);
}
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_impl("scatter_add", x, dim, index, src, true);
}

Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src,
                 Scalar alpha) {
  const char* op = "index_add";
  detail::check_defined(x, op);
  detail::check_same_device(x, index, op);
  detail::check_same_device(x, src, op);
  detail::check_index_dtype(index, op);
  TG_CHECK(index.dim() <= 1, op, ": index must be 0-D or 1-D, got shape ", index.sizes());
  Tensor xx = x.dim() == 0 ? x.reshape({1}) : x;
  Tensor ss = src.dim() == 0 ? src.reshape({1}) : src;
  int d = wrap_dim(dim, xx.dim(), op);
  DimVec want = xx.sizes();
  want[d] = index.numel();
  TG_CHECK(ss.sizes() == want, op, ": src shape ", src.sizes(), " must equal ", want,
           " (the input shape with dimension ", d, " replaced by the index length)");
  detail::check_index_bounds(index, xx.size(d), op, d);
  Tensor out;
  {
    NoGradGuard no_grad;
    out = xx.clone();
  }
  if (index.numel() > 0)
    detail::backend_of(x, op).index_add(out, d, index.reshape({-1}), ss.to(x.dtype()),
                                         alpha.to_double());
  if (autograd::needs_grad(xx, ss))
    autograd::record("IndexAddBackward0", out, {xx, ss},
                     [idx = autograd::save(index.reshape({-1})), d, alpha](const Tensor& g, const Needs& need) {
      return Grads{g, need[1] ? mul(index_select(g, d, idx.unpack()), alpha) : Tensor()};
    });
  return x.dim() == 0 ? out.view({}) : out;
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, Scalar value) {
  const char* op = "masked_fill";
  detail::check_defined(x, op);
  detail::check_defined(mask, op, "mask");
  TG_CHECK(mask.dtype() == kBool, op, ": mask must be a bool tensor, got ",
           dtype_name(mask.dtype()));
  DimVec shape = broadcast_shapes(x.sizes(), mask.sizes(), op);
  TG_CHECK(shape == x.sizes(), op, ": mask of shape ", mask.sizes(),
           " cannot be broadcast to the input's shape ", x.sizes());
  return where(mask, scalar_tensor(value, x.dtype(), x.device()), x);
}

Tensor take(const Tensor& x, const Tensor& index) {
  const char* op = "take";
  detail::check_defined(x, op);
  detail::check_index_dtype(index, op);
  Tensor flat = x.reshape({-1});
  int64_t n = flat.numel();
  // Negative indices count from the end, as in torch.take.
  Tensor idx = where(lt(index, Scalar(0)), add(index, Scalar(n)), index).reshape({-1});
  detail::check_index_bounds(idx, n, op, 0);
  return index_select(flat, 0, idx).view(index.sizes());
}

Tensor embedding(const Tensor& weight, const Tensor& indices) {
  const char* op = "embedding";
  detail::check_defined(weight, op, "weight");
  TG_CHECK(weight.dim() == 2, op, ": weight must be 2-D [num_embeddings, dim], got ",
           weight.sizes());
  detail::check_index_dtype(indices, op);
  DimVec shape = indices.sizes();
  shape.push_back(weight.size(1));
  return index_select(weight, 0, indices.reshape({-1})).view(shape);
}

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  const char* op = "cat";
  TG_CHECK(!tensors.empty(), op, ": expected a non-empty list of tensors");
  const Tensor& ref = tensors[0];
  detail::check_defined(ref, op);
  int d = wrap_dim(dim, ref.dim(), op);
  TG_CHECK(ref.dim() > 0, op, ": zero-dimensional tensors cannot be concatenated");
  DType dt = ref.dtype();
  int64_t total = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    detail::check_defined(t, op);
    detail::check_same_device(ref, t, op);
    TG_CHECK(t.dim() == ref.dim(), op, ": tensor ", i, " has ", t.dim(),
             " dimensions but tensor 0 has ", ref.dim());
    for (int k = 0; k < ref.dim(); ++k)
      TG_CHECK(k == d || t.size(k) == ref.size(k), op, ": sizes must match except in dimension ",
               d, "; tensor ", i, " has shape ", t.sizes(), ", tensor 0 has ", ref.sizes());
    dt = promote_types(dt, t.dtype());
    total += t.size(d);
  }
  DimVec shape = ref.sizes();
  shape[d] = total;
  Tensor out = empty(shape, dt, ref.device());
  auto& be = detail::backend_of(ref, op);
  int64_t at = 0;
  std::vector<int64_t> sizes;
  for (const Tensor& t : tensors) {
    if (t.numel() > 0) be.copy(t, out.narrow(d, at, t.size(d)));
    at += t.size(d);
    sizes.push_back(t.size(d));
  }
  if (autograd::any_requires_grad(tensors))
    autograd::record("CatBackward0", out, tensors, [d, sizes](const Tensor& g, const Needs& need) {
      Grads gs(sizes.size());
      int64_t off = 0;
      for (size_t i = 0; i < sizes.size(); ++i) {
        if (need[i]) gs[i] = g.narrow(d, off, sizes[i]);
        off += sizes[i];
      }
      return gs;
    });
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  TG_CHECK(!tensors.empty(), "stack: expected a non-empty list of tensors");
  int d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> u;
  u.reserve(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    TG_CHECK(tensors[i].sizes() == tensors[0].sizes(), "stack: all tensors must have the same ",
             "shape; tensor ", i, " has ", tensors[i].sizes(), ", tensor 0 has ",
             tensors[0].sizes());
    u.push_back(tensors[i].unsqueeze(d));
  }
  return cat(u, d);
}

std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim) {
  TG_CHECK(x.dim() > 0, "split: cannot split a 0-dim tensor");
  TG_CHECK(split_size > 0, "split: split_size must be positive, got ", split_size);
  int d = wrap_dim(dim, x.dim(), "split");
  std::vector<Tensor> out;
  for (int64_t s = 0; s < x.size(d); s += split_size)
    out.push_back(x.narrow(d, s, std::min(split_size, x.size(d) - s)));
  if (out.empty()) out.push_back(x);
  return out;
}

std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim) {
  TG_CHECK(x.dim() > 0, "split: cannot split a 0-dim tensor");
  int d = wrap_dim(dim, x.dim(), "split");
  int64_t total = 0;
  for (int64_t s : sizes) {
    TG_CHECK(s >= 0, "split: sizes must be non-negative, got ", s);
    total += s;
  }
  TG_CHECK(total == x.size(d), "split: sizes sum to ", total, " but dimension ", d, " has size ",
           x.size(d));
  std::vector<Tensor> out;
  int64_t at = 0;
  for (int64_t s : sizes) {
    out.push_back(x.narrow(d, at, s));
    at += s;
  }
  return out;
}

std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim) {
  TG_CHECK(chunks > 0, "chunk: number of chunks must be positive, got ", chunks);
  TG_CHECK(x.dim() > 0, "chunk: cannot chunk a 0-dim tensor");
  int d = wrap_dim(dim, x.dim(), "chunk");
  int64_t size = (x.size(d) + chunks - 1) / chunks;
  return split(x, std::max<int64_t>(size, 1), d);
}

namespace {

std::tuple<Tensor, Tensor> sort_impl(const char* op, const Tensor& x, int64_t k, int64_t dim,
                                     bool descending) {
  detail::check_defined(x, op);
  Tensor xx = x.dim() == 0 ? x.reshape({1}) : x;
  int d = wrap_dim(dim, xx.dim(), op);
  int64_t n = xx.size(d);
  if (k < 0) k = n;
  TG_CHECK(k <= n, op, ": k (", k, ") is larger than dimension ", d, " of size ", n);
  Tensor rows;
  {
    NoGradGuard no_grad;
    rows = xx.transpose(d, -1).contiguous();
  }
  DimVec shape = rows.sizes();
  shape[shape.size() - 1] = k;
  Tensor values = empty(shape, x.dtype(), x.device());
  Tensor indices = empty(shape, kInt64, x.device());
  if (values.numel() > 0)
    detail::backend_of(x, op).sort_rows(rows, descending, k, values, indices);
  values = values.transpose(d, -1).contiguous();
  indices = indices.transpose(d, -1).contiguous();
  if (autograd::needs_grad(xx))  // each selected value's gradient goes back to where it came from
    autograd::record(k < n ? "TopkBackward0" : "SortBackward0", values, {xx},
                     [idx = autograd::save(indices), d, shape = xx.sizes()](const Tensor& g, const Needs&) {
      return Grads{scatter_add(zeros(shape, g.dtype(), g.device()), d, idx.unpack(), g)};
    });
  if (x.dim() == 0) return {values.view({}), indices.view({})};
  return {values, indices};
}

}  // namespace

std::tuple<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim, bool largest, bool) {
  TG_CHECK(k >= 0, "topk: k must be non-negative, got ", k);
  return sort_impl("topk", x, k, dim, largest);
}

std::tuple<Tensor, Tensor> sort(const Tensor& x, int64_t dim, bool descending) {
  return sort_impl("sort", x, -1, dim, descending);
}

Tensor argsort(const Tensor& x, int64_t dim, bool descending) {
  return std::get<1>(sort_impl("argsort", x, -1, dim, descending));
}

}  // namespace tg
