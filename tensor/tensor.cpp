// tensor/tensor.cpp — TensorImpl bookkeeping, empty(), element access.
#include "tensor.h"

#include <cstdint>
#include <cstring>
#include <new>

#include "../autograd/meta.h"
#include "../kernels/backend.h"

namespace tg {

TensorImpl::TensorImpl(std::shared_ptr<Storage> storage, const DimVec& sizes, const DimVec& strides,
                       int64_t offset, DType dtype)
    : storage_(std::move(storage)), sizes_(sizes), strides_(strides), offset_(offset),
      dtype_(dtype) {
  refresh();
}

TensorImpl::~TensorImpl() = default;

void TensorImpl::refresh() {
  numel_ = shape_numel(sizes_);
  contiguous_ = true;
  int64_t expected = 1;
  for (int i = sizes_.size() - 1; i >= 0; --i) {
    if (sizes_[i] == 1) continue;
    if (strides_[i] != expected) {
      contiguous_ = false;
      break;
    }
    expected *= sizes_[i];
  }
  if (numel_ == 0) contiguous_ = true;
}

void TensorImpl::throw_sparse_data_access() {
  TG_THROW("tensor: this is a sparse-rows tensor (a sparse embedding gradient: indices() + "
           "values()); dense ops need to_dense() first");
}

void TensorImpl::set_data(const TensorImpl& other) {
  TG_CHECK(!sparse_ && !other.sparse_, "set_data: sparse tensors are not supported");
  storage_ = other.storage_;
  sizes_ = other.sizes_;
  strides_ = other.strides_;
  offset_ = other.offset_;
  dtype_ = other.dtype_;
  refresh();
}

autograd::AutogradMeta& TensorImpl::ensure_autograd_meta() {
  if (!autograd_) autograd_ = std::make_unique<autograd::AutogradMeta>();
  return *autograd_;
}

Tensor empty(const DimVec& shape, DType dtype, Device device) {
  for (int i = 0; i < shape.size(); ++i)
    TG_CHECK(shape[i] >= 0, "empty: negative size ", shape[i], " in dimension ", i, " of shape ",
             shape);
  const int64_t n = shape_numel(shape, "empty");
  size_t nbytes = 0;
  TG_CHECK(!__builtin_mul_overflow(static_cast<size_t>(n), itemsize(dtype), &nbytes) &&
               nbytes <= static_cast<size_t>(PTRDIFF_MAX),
           "empty: a ", dtype_name(dtype), " tensor of shape ", shape, " needs ", n, " x ",
           itemsize(dtype), " bytes, more than the address space holds");
  std::shared_ptr<Storage> storage;
  try {
    storage = std::make_shared<Storage>(nbytes, device);
  } catch (const Error& e) {  // the backend's out-of-memory error, with the tensor it was for
    TG_THROW("empty: cannot allocate ", nbytes, " bytes for a ", dtype_name(dtype),
             " tensor of shape ", shape, " on ", device, ": ", e.what());
  } catch (const std::bad_alloc&) {
    TG_THROW("empty: out of memory allocating ", nbytes, " bytes for a ", dtype_name(dtype),
             " tensor of shape ", shape, " on ", device);
  }
  return Tensor(std::make_shared<TensorImpl>(std::move(storage), shape, contiguous_strides(shape),
                                             0, dtype));
}

int64_t Tensor::size(int64_t d) const { return sizes()[wrap_dim(d, dim(), "size")]; }
int64_t Tensor::stride(int64_t d) const { return strides()[wrap_dim(d, dim(), "stride")]; }

template <class T>
T Tensor::item() const {
  TG_CHECK(numel() == 1, "item: a tensor with ", numel(), " elements (shape ", sizes(),
           ") cannot be converted to a scalar");
  Tensor c = device().is_cpu() ? *this : to(Device{kCPU});
  return dispatch(c.dtype(), "item", [&]<class S>() -> T {
    return static_cast<T>(*static_cast<const S*>(c.data_ptr()));
  });
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  if constexpr (std::is_same_v<T, int32_t>) {
    std::vector<int64_t> wide = to_vector<int64_t>();
    return std::vector<int32_t>(wide.begin(), wide.end());
  }
  using Elem = std::conditional_t<std::is_same_v<T, int32_t>, int64_t, T>;
  Tensor c = to(Device{kCPU}).to(dtype_of<Elem>).contiguous();
  std::vector<T> out(static_cast<size_t>(c.numel()));
  if constexpr (std::is_same_v<T, bool>) {  // std::vector<bool> is bit-packed
    const bool* p = static_cast<const bool*>(c.data_ptr());
    for (size_t i = 0; i < out.size(); ++i) out[i] = p[i];
  } else if (!out.empty()) {
    std::memcpy(static_cast<void*>(out.data()), c.data_ptr(), c.nbytes());
  }
  return out;
}

#define TG_INSTANTIATE(T)                         \
  template T Tensor::item<T>() const;             \
  template std::vector<T> Tensor::to_vector<T>() const;
TG_INSTANTIATE(bool)
TG_INSTANTIATE(int64_t)
TG_INSTANTIATE(float)
TG_INSTANTIATE(double)
TG_INSTANTIATE(int32_t)
#undef TG_INSTANTIATE

}  // namespace tg
