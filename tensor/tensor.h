// tensor/tensor.h — tg::Tensor: a handle to (storage, sizes, strides, offset, dtype, device).
//
// Shape legend used in comments throughout: B batch, N rows, M/K/P matrix dims, D embedding dim.
// Views (view, transpose, narrow, expand, ...) share storage; ops allocate a fresh contiguous output.
// A Tensor is cheap to copy (one shared_ptr). A default-constructed Tensor is "undefined".
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "device.h"
#include "dtype.h"
#include "scalar.h"
#include "shape.h"
#include "storage.h"

namespace tg {

class Tensor;
class Generator;

namespace autograd {
struct AutogradMeta;
class Node;
}  // namespace autograd

// The parts of a sparse-rows tensor (tensor/sparse.h): row indices + value rows.
struct SparseParts;

class TensorImpl {
 public:
  TensorImpl(std::shared_ptr<Storage> storage, const DimVec& sizes, const DimVec& strides,
             int64_t offset, DType dtype);
  ~TensorImpl();
  TensorImpl(const TensorImpl&) = delete;
  TensorImpl& operator=(const TensorImpl&) = delete;

  const std::shared_ptr<Storage>& storage() const { return storage_; }
  const DimVec& sizes() const { return sizes_; }
  const DimVec& strides() const { return strides_; }
  int64_t offset() const { return offset_; }
  int64_t numel() const { return numel_; }
  DType dtype() const { return dtype_; }
  Device device() const { return storage_->device(); }
  bool is_contiguous() const { return contiguous_; }
  void* data() const {
    if (sparse_) [[unlikely]] throw_sparse_data_access();
    return static_cast<char*>(storage_->data()) + offset_ * static_cast<int64_t>(itemsize(dtype_));
  }
  // Sparse-rows tensors (only produced as gradients of sparse embeddings) have no dense data.
  bool is_sparse() const { return sparse_ != nullptr; }
  const SparseParts& sparse_parts() const { return *sparse_; }
  void set_sparse_parts(std::shared_ptr<SparseParts> parts) { sparse_ = std::move(parts); }
  // Takes over other's data (storage, shape, strides, dtype) while keeping this tensor's identity
  // and autograd state: how Module::to() moves parameters that optimizers already refer to.
  void set_data(const TensorImpl& other);

  autograd::AutogradMeta* autograd_meta() const { return autograd_.get(); }
  autograd::AutogradMeta& ensure_autograd_meta();

 private:
  void refresh();
  [[noreturn]] static void throw_sparse_data_access();

  std::shared_ptr<Storage> storage_;
  DimVec sizes_;
  DimVec strides_;
  int64_t offset_ = 0;
  int64_t numel_ = 1;
  DType dtype_;
  bool contiguous_ = true;
  std::unique_ptr<autograd::AutogradMeta> autograd_;
  std::shared_ptr<SparseParts> sparse_;
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- metadata ----------------------------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  int dim() const { return impl().sizes().size(); }
  int ndim() const { return dim(); }
  const DimVec& sizes() const { return impl().sizes(); }
  const DimVec& shape() const { return impl().sizes(); }
  int64_t size(int64_t d) const;
  const DimVec& strides() const { return impl().strides(); }
  int64_t stride(int64_t d) const;
  int64_t numel() const { return impl().numel(); }
  DType dtype() const { return impl().dtype(); }
  Device device() const { return impl().device(); }
  int64_t storage_offset() const { return impl().offset(); }
  bool is_contiguous() const { return impl().is_contiguous(); }
  bool is_floating_point() const { return is_floating(dtype()); }
  bool is_sparse() const { return impl().is_sparse(); }
  size_t itemsize() const { return tg::itemsize(dtype()); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * itemsize(); }
  void* data_ptr() const { return impl().data(); }
  // Typed pointer to the first element; checks that T matches dtype().
  template <class T>
  T* data() const {
    TG_CHECK(dtype_of<T> == dtype(), "Tensor::data<T>: tensor has dtype ", dtype_name(dtype()),
             " but T is ", dtype_name(dtype_of<T>));
    return static_cast<T*>(data_ptr());
  }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }
  bool shares_storage(const Tensor& o) const {
    return defined() && o.defined() && impl().storage() == o.impl().storage();
  }
  TensorImpl& impl() const {
    TG_CHECK(impl_ != nullptr, "tensor: operation on an undefined tensor");
    return *impl_;
  }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

  // The single value of a one-element tensor, converted to T (copies from the device if needed).
  template <class T>
  T item() const;
  // All elements in row-major order, converted to T.
  template <class T>
  std::vector<T> to_vector() const;
  std::string str() const;  // the PyTorch-style printout

  // ---- views (share storage, no copy) -------------------------------------------------------
  Tensor view(const DimVec& shape) const;
  Tensor reshape(const DimVec& shape) const;
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor t() const;
  Tensor permute(const DimVec& dims) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor operator[](int64_t index) const { return select(0, index); }
  Tensor expand(const DimVec& shape) const;
  Tensor expand_as(const Tensor& other) const { return expand(other.sizes()); }
  Tensor broadcast_to(const DimVec& shape) const { return expand(shape); }
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor to(DType dtype) const;
  Tensor to(Device device) const;
  Tensor cpu() const { return to(Device{kCPU}); }
  Tensor detach() const;

  // ---- sparse-rows tensors (tensor/sparse.h) -------------------------------------------------
  Tensor indices() const;   // [nnz] int64 row indices
  Tensor values() const;    // [nnz, ...] rows
  Tensor to_dense() const;  // dense copy (a dense tensor returns itself)
  Tensor coalesce() const;  // sorted unique indices, duplicate rows summed
  bool is_coalesced() const;

  // ---- autograd (see autograd/) ------------------------------------------------------------
  bool requires_grad() const;
  Tensor& requires_grad_(bool value = true);
  bool is_leaf() const;
  // The accumulated gradient (leaves, or tensors that called retain_grad()); undefined if none.
  Tensor grad() const;
  void set_grad(const Tensor& g);  // e.g. set_grad({}) to drop it
  std::shared_ptr<autograd::Node> grad_fn() const;
  uint32_t output_nr() const;
  // Runs backward from this tensor. A non-scalar tensor needs `gradient` (same shape).
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false,
                bool create_graph = false) const;
  // hook(grad) runs when this tensor's gradient is computed; a defined return value replaces it.
  void register_hook(std::function<Tensor(const Tensor&)> hook) const;
  // Keep .grad for a non-leaf tensor too.
  void retain_grad() const;
  // A label shown by print_graph / to_dot (e.g. "W1").
  Tensor& set_name(const std::string& name);
  std::string name() const;

  // ---- math (thin wrappers over the free functions in ops.h) --------------------------------
  Tensor add(const Tensor& o, Scalar alpha = 1) const;
  Tensor sub(const Tensor& o, Scalar alpha = 1) const;
  Tensor mul(const Tensor& o) const;
  Tensor div(const Tensor& o) const;
  Tensor pow(const Tensor& e) const;
  Tensor pow(Scalar e) const;
  Tensor neg() const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor rsqrt() const;
  Tensor abs() const;
  Tensor sign() const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor relu() const;
  Tensor clamp(std::optional<Scalar> min, std::optional<Scalar> max) const;
  Tensor maximum(const Tensor& o) const;
  Tensor minimum(const Tensor& o) const;

  Tensor sum() const;
  Tensor sum(const DimVec& dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(const DimVec& dims, bool keepdim = false) const;
  Tensor max() const;
  std::tuple<Tensor, Tensor> max(int64_t dim, bool keepdim = false) const;
  Tensor min() const;
  std::tuple<Tensor, Tensor> min(int64_t dim, bool keepdim = false) const;
  Tensor argmax(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor argmin(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;

  Tensor matmul(const Tensor& o) const;
  Tensor mm(const Tensor& o) const;
  Tensor index_select(int64_t dim, const Tensor& index) const;
  Tensor gather(int64_t dim, const Tensor& index) const;
  Tensor masked_fill(const Tensor& mask, Scalar value) const;
  Tensor softmax(int64_t dim) const;
  Tensor log_softmax(int64_t dim) const;

  // ---- in-place (bump the version counter) --------------------------------------------------
  Tensor& fill_(Scalar value);
  Tensor& zero_();
  Tensor& copy_(const Tensor& src);
  Tensor& add_(const Tensor& o, Scalar alpha = 1);
  Tensor& add_(Scalar o);
  Tensor& sub_(const Tensor& o, Scalar alpha = 1);
  Tensor& mul_(const Tensor& o);
  Tensor& mul_(Scalar o);
  Tensor& div_(const Tensor& o);
  Tensor& div_(Scalar o);
  Tensor& clamp_(std::optional<Scalar> min, std::optional<Scalar> max);
  Tensor& masked_fill_(const Tensor& mask, Scalar value);

  Tensor& operator+=(const Tensor& o) { return add_(o); }
  Tensor& operator+=(Scalar o) { return add_(o); }
  Tensor& operator-=(const Tensor& o) { return sub_(o); }
  Tensor& operator*=(const Tensor& o) { return mul_(o); }
  Tensor& operator*=(Scalar o) { return mul_(o); }
  Tensor& operator/=(const Tensor& o) { return div_(o); }
  Tensor& operator/=(Scalar o) { return div_(o); }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// Allocates an uninitialised contiguous tensor (the primitive all factories and ops build on).
Tensor empty(const DimVec& shape, DType dtype = kDefaultFloat, Device device = Device{});

}  // namespace tg
