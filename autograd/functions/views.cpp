// autograd/functions/views.cpp — ops that return a view (shared storage, no copy), plus the
// copying conversions contiguous(), clone(), to(dtype), to(device) and detach().
#include <numeric>

#include "../record.h"
#include "op_utils.h"

namespace tg {
namespace detail {

Tensor make_view(const Tensor& t, const DimVec& sizes, const DimVec& strides, int64_t offset) {
  TG_CHECK(!t.is_sparse(), "view: sparse-rows tensors have no views; call to_dense() first");
  return Tensor(std::make_shared<TensorImpl>(t.impl().storage(), sizes, strides, offset, t.dtype()));
}

void check_index_bounds(const Tensor& index, int64_t size, const char* op, int dim) {
  if (index.numel() == 0) return;
  int64_t mn = 0, mx = 0;
  if (!backend_of(index, op).index_minmax(index, mn, mx)) {
    mn = amin(index).item<int64_t>();
    mx = amax(index).item<int64_t>();
  }
  TG_CHECK(mn >= 0 && mx < size, op, ": index ", (mn < 0 ? mn : mx),
           " is out of bounds for dimension ", dim, " with size ", size);
}

void check_no_internal_overlap(const Tensor& t, const char* op) {
  for (int d = 0; d < t.dim(); ++d)
    TG_CHECK(!(t.stride(d) == 0 && t.size(d) > 1), op,
             ": cannot write in place into a tensor where several elements share one memory "
             "location (an expanded view of shape ",
             t.sizes(), "); call .clone() first");
}

void reduction_mask(const Tensor& t, const DimVec& dims, const char* op, bool (&mask)[kMaxDims]) {
  for (bool& m : mask) m = dims.empty();
  for (int64_t d : dims) {
    int w = wrap_dim(d, t.dim(), op);
    if (t.dim() == 0) continue;
    TG_CHECK(!mask[w], op, ": dim ", w, " appears more than once in the list of dims");
    mask[w] = true;
  }
}

}  // namespace detail

using detail::make_view;
using autograd::Grads;
using autograd::Needs;

namespace {

// Backward of every view op that keeps the same elements in another shape.
void record_reshape(const Tensor& out, const Tensor& in, const char* name) {
  if (autograd::needs_grad(in))
    autograd::record(name, out, {in}, [shape = in.sizes()](const Tensor& g, const Needs&) {
      return Grads{g.reshape(shape)};
    });
}

// Gradient of a view that selects part of its input (narrow, slice, select): the incoming
// gradient placed into zeros of the input's shape. Itself differentiable: its backward is the
// same view of the gradient-of-gradient.
Tensor embed_in_zeros(const Tensor& g, const DimVec& shape,
                      const std::function<Tensor(const Tensor&)>& view_fn) {
  Tensor out = zeros(shape, g.dtype(), g.device());
  {
    NoGradGuard no_grad;
    view_fn(out).copy_(g);
  }
  if (autograd::needs_grad(g))
    autograd::record("ViewScatterBackward0", out, {g}, [view_fn](const Tensor& gg, const Needs&) {
      return Grads{view_fn(gg)};
    });
  return out;
}

void record_part(const Tensor& out, const Tensor& in, const char* name,
                 std::function<Tensor(const Tensor&)> view_fn) {
  if (autograd::needs_grad(in))
    autograd::record(name, out, {in}, [shape = in.sizes(), view_fn = std::move(view_fn)](
                                          const Tensor& g, const Needs&) {
      return Grads{embed_in_zeros(g, shape, view_fn)};
    });
}

}  // namespace

namespace {

// Infers a single -1 in `shape` from numel; checks the element count matches.
DimVec infer_shape(const DimVec& shape, int64_t numel, const char* op, const DimVec& from) {
  DimVec out = shape;
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      TG_CHECK(infer < 0, op, ": only one dimension can be inferred (-1) in ", shape);
      infer = i;
    } else {
      TG_CHECK(out[i] >= 0, op, ": invalid size ", out[i], " in shape ", shape);
      TG_CHECK(!__builtin_mul_overflow(known, out[i], &known), op, ": shape ", shape,
               " is invalid for input of size ", numel, " (shape ", from, ")");
    }
  }
  if (infer >= 0) {
    TG_CHECK(known != 0 && numel % known == 0, op, ": shape ", shape,
             " is invalid for input of size ", numel, " (shape ", from, ")");
    out[infer] = numel / known;
  }
  TG_CHECK(shape_numel(out) == numel, op, ": shape ", shape, " is invalid for input of size ",
           numel, " (shape ", from, ")");
  return out;
}

// Strides for viewing (sizes, strides) as `shape` without a copy, if possible (PyTorch's rule:
// each group of old dims that is contiguous among itself may be split/merged freely).
bool view_strides(const DimVec& sizes, const DimVec& strides, const DimVec& shape, DimVec& out) {
  out = DimVec(shape.size(), 0);
  if (shape_numel(sizes) == 0 || sizes.empty()) {  // empty, or 0-dim (one element, no strides)
    out = contiguous_strides(shape);
    return true;
  }
  int view_d = shape.size() - 1;
  int64_t chunk_base_stride = strides.size() ? strides.back() : 1;
  int64_t tensor_numel = 1, view_numel = 1;
  for (int d = sizes.size() - 1; d >= 0; --d) {
    tensor_numel *= sizes[d];
    if (d == 0 || (sizes[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (d > 0) {
        chunk_base_stride = strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

}  // namespace

Tensor Tensor::view(const DimVec& shape) const {
  DimVec s = infer_shape(shape, numel(), "view", sizes());
  DimVec st;
  TG_CHECK(view_strides(sizes(), strides(), s, st), "view: size ", s,
           " is not compatible with the input's strides (shape ", sizes(), ", strides ", strides(),
           "); use reshape() instead, which copies when needed");
  Tensor out = make_view(*this, s, st, storage_offset());
  record_reshape(out, *this, "ViewBackward0");
  return out;
}

Tensor Tensor::reshape(const DimVec& shape) const {
  DimVec s = infer_shape(shape, numel(), "reshape", sizes());
  DimVec st;
  if (view_strides(sizes(), strides(), s, st)) {
    Tensor out = make_view(*this, s, st, storage_offset());
    record_reshape(out, *this, "ViewBackward0");
    return out;
  }
  return contiguous().view(s);
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  int a = wrap_dim(d0, dim(), "transpose"), b = wrap_dim(d1, dim(), "transpose");
  if (dim() == 0 || a == b) {
    Tensor out = make_view(*this, sizes(), strides(), storage_offset());
    record_reshape(out, *this, "TransposeBackward0");
    return out;
  }
  DimVec sz = sizes(), st = strides();
  std::swap(sz[a], sz[b]);
  std::swap(st[a], st[b]);
  Tensor out = make_view(*this, sz, st, storage_offset());
  if (autograd::needs_grad(*this))
    autograd::record("TransposeBackward0", out, {*this}, [a, b](const Tensor& g, const Needs&) {
      return Grads{g.transpose(a, b)};
    });
  return out;
}

Tensor Tensor::t() const {
  TG_CHECK(dim() <= 2, "t: expects a tensor with <= 2 dimensions, got ", dim(),
           " (use transpose(d0, d1) or permute)");
  return dim() < 2 ? transpose(0, 0) : transpose(0, 1);
}

Tensor Tensor::permute(const DimVec& dims) const {
  TG_CHECK(dims.size() == dim(), "permute: number of dims in ", dims,
           " does not match the tensor's ", dim(), " dimensions");
  DimVec sz(dim(), 0), st(dim(), 0);
  bool seen[kMaxDims] = {};
  for (int i = 0; i < dim(); ++i) {
    int d = wrap_dim(dims[i], dim(), "permute");
    TG_CHECK(!seen[d], "permute: dim ", d, " repeats in ", dims);
    seen[d] = true;
    sz[i] = sizes()[d];
    st[i] = strides()[d];
  }
  Tensor out = make_view(*this, sz, st, storage_offset());
  if (autograd::needs_grad(*this)) {
    DimVec inverse(dim(), 0);
    for (int i = 0; i < dim(); ++i) inverse[wrap_dim(dims[i], dim(), "permute")] = i;
    autograd::record("PermuteBackward0", out, {*this}, [inverse](const Tensor& g, const Needs&) {
      return Grads{g.permute(inverse)};
    });
  }
  return out;
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  TG_CHECK(dim() > 0, "narrow: cannot narrow a 0-dim tensor");
  int w = wrap_dim(d, dim(), "narrow");
  int64_t n = sizes()[w];
  if (start < 0) start += n;
  TG_CHECK(start >= 0 && length >= 0 && start + length <= n, "narrow: start ", start,
           " + length ", length, " exceeds dimension ", w, " of size ", n);
  DimVec sz = sizes();
  sz[w] = length;
  Tensor out = make_view(*this, sz, strides(), storage_offset() + start * strides()[w]);
  record_part(out, *this, "NarrowBackward0",
              [w, start, length](const Tensor& t) { return t.narrow(w, start, length); });
  return out;
}

Tensor Tensor::slice(int64_t d, int64_t start, int64_t end, int64_t step) const {
  TG_CHECK(dim() > 0, "slice: cannot slice a 0-dim tensor");
  TG_CHECK(step > 0, "slice: step must be positive, got ", step);
  int w = wrap_dim(d, dim(), "slice");
  int64_t n = sizes()[w];
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  DimVec sz = sizes(), st = strides();
  sz[w] = (end - start + step - 1) / step;
  st[w] *= step;
  Tensor out = make_view(*this, sz, st, storage_offset() + start * strides()[w]);
  record_part(out, *this, "SliceBackward0",
              [w, start, end, step](const Tensor& t) { return t.slice(w, start, end, step); });
  return out;
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  TG_CHECK(dim() > 0, "select: cannot select from a 0-dim tensor");
  int w = wrap_dim(d, dim(), "select");
  int64_t n = sizes()[w];
  TG_CHECK(index >= -n && index < n, "select: index ", index, " is out of range for dimension ",
           w, " with size ", n);
  if (index < 0) index += n;
  DimVec sz = sizes(), st = strides();
  int64_t off = storage_offset() + index * st[w];
  sz.erase(w);
  st.erase(w);
  Tensor out = make_view(*this, sz, st, off);
  record_part(out, *this, "SelectBackward0", [w, index](const Tensor& t) { return t.select(w, index); });
  return out;
}

Tensor Tensor::expand(const DimVec& shape) const {
  TG_CHECK(shape.size() >= dim(), "expand: the target shape ", shape,
           " has fewer dimensions than the tensor's shape ", sizes());
  DimVec sz(shape.size(), 0), st(shape.size(), 0);
  int lead = shape.size() - dim();
  for (int i = 0; i < shape.size(); ++i) {
    int j = i - lead;
    int64_t want = shape[i];
    if (j < 0) {
      TG_CHECK(want >= 0, "expand: size -1 is not allowed in a leading, new dimension (", shape, ")");
      sz[i] = want;
      st[i] = 0;
      continue;
    }
    int64_t have = sizes()[j];
    if (want == -1) want = have;
    TG_CHECK(have == want || have == 1, "expand: cannot expand shape ", sizes(), " to ", shape,
             " (dimension ", i, ": size ", have, " is not 1 and differs from ", want, ")");
    sz[i] = want;
    st[i] = have == want ? strides()[j] : 0;
  }
  Tensor out = make_view(*this, sz, st, storage_offset());
  if (autograd::needs_grad(*this))
    autograd::record("ExpandBackward0", out, {*this}, [shape = sizes()](const Tensor& g, const Needs&) {
      return Grads{autograd::sum_to(g, shape)};
    });
  return out;
}

Tensor Tensor::squeeze() const {
  DimVec sz, st;
  for (int i = 0; i < dim(); ++i)
    if (sizes()[i] != 1) {
      sz.push_back(sizes()[i]);
      st.push_back(strides()[i]);
    }
  Tensor out = make_view(*this, sz, st, storage_offset());
  record_reshape(out, *this, "SqueezeBackward0");
  return out;
}

Tensor Tensor::squeeze(int64_t d) const {
  DimVec sz = sizes(), st = strides();
  if (dim() > 0) {
    int w = wrap_dim(d, dim(), "squeeze");
    if (sizes()[w] == 1) {
      sz.erase(w);
      st.erase(w);
    }
  }
  Tensor out = make_view(*this, sz, st, storage_offset());
  record_reshape(out, *this, "SqueezeBackward1");
  return out;
}

Tensor Tensor::unsqueeze(int64_t d) const {
  int w = wrap_dim(d, dim() + 1, "unsqueeze");
  DimVec sz = sizes(), st = strides();
  int64_t s = w < dim() ? sizes()[w] * strides()[w] : 1;
  sz.insert(w, 1);
  st.insert(w, s);
  Tensor out = make_view(*this, sz, st, storage_offset());
  record_reshape(out, *this, "UnsqueezeBackward0");
  return out;
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  if (dim() == 0) return reshape({1});
  int s = wrap_dim(start_dim, dim(), "flatten"), e = wrap_dim(end_dim, dim(), "flatten");
  TG_CHECK(s <= e, "flatten: start_dim ", s, " must not come after end_dim ", e);
  DimVec shape;
  for (int i = 0; i < s; ++i) shape.push_back(sizes()[i]);
  int64_t m = 1;
  for (int i = s; i <= e; ++i) m *= sizes()[i];
  shape.push_back(m);
  for (int i = e + 1; i < dim(); ++i) shape.push_back(sizes()[i]);
  return reshape(shape);
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  Tensor out = empty(sizes(), dtype(), device());
  detail::backend_of(*this, "clone").copy(*this, out);
  if (autograd::needs_grad(*this))
    autograd::record("CloneBackward0", out, {*this}, [](const Tensor& g, const Needs&) {
      return Grads{g};
    });
  return out;
}

Tensor Tensor::to(DType dt) const {
  if (dt == dtype()) return *this;
  Tensor out = empty(sizes(), dt, device());
  detail::backend_of(*this, "to").copy(*this, out);
  if (autograd::needs_grad(*this) && is_floating(dt))
    autograd::record("ToCopyBackward0", out, {*this}, [](const Tensor& g, const Needs&) {
      return Grads{g};  // record() casts it back to the input's dtype
    });
  return out;
}

Tensor Tensor::to(Device dev) const {
  if (dev == device()) return *this;
  Tensor src = contiguous();
  Tensor out = empty(sizes(), dtype(), dev);
  if (dev.is_cpu()) {
    detail::backend_of(src, "to").copy_to_host(out.data_ptr(), src.data_ptr(), src.nbytes());
  } else if (src.device().is_cpu()) {
    detail::backend_of(out, "to").copy_from_host(out.data_ptr(), src.data_ptr(), src.nbytes());
  } else {  // device to another device: through the host
    return src.to(Device{kCPU}).to(dev);
  }
  if (autograd::needs_grad(src))
    autograd::record("ToCopyBackward0", out, {src}, [from = src.device()](const Tensor& g, const Needs&) {
      return Grads{g.to(from)};
    });
  return out;
}

Tensor Tensor::detach() const {
  return make_view(*this, sizes(), strides(), storage_offset());
}

}  // namespace tg
