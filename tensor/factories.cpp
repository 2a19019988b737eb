// tensor/factories.cpp — zeros, ones, full, arange, linspace, eye, random tensors, from_vector,
// from_blob.
#include <cmath>
#include <cstring>

#include "../kernels/backend.h"
#include "generator.h"
#include "ops.h"

namespace tg {
namespace {

DType dtype_for(Scalar s) { return s.kind() == kFloat64 ? kDefaultFloat : s.kind(); }

}  // namespace

Tensor scalar_tensor(Scalar value, DType dtype, Device device) {
  Tensor t = empty({}, dtype, device);
  if (device.is_cpu()) {
    dispatch(dtype, "scalar_tensor", [&]<class T>() { *static_cast<T*>(t.data_ptr()) = value.to<T>(); });
  } else {
    kernels::backend(device, "scalar_tensor").fill(t, value);
  }
  return t;
}

Tensor full(const DimVec& shape, Scalar value, std::optional<DType> dtype, Device device) {
  Tensor t = empty(shape, dtype.value_or(dtype_for(value)), device);
  kernels::backend(device, "full").fill(t, value);
  return t;
}

Tensor zeros(const DimVec& shape, DType dtype, Device device) { return full(shape, 0, dtype, device); }
Tensor ones(const DimVec& shape, DType dtype, Device device) { return full(shape, 1, dtype, device); }
Tensor empty_like(const Tensor& t, std::optional<DType> dtype) {
  return empty(t.sizes(), dtype.value_or(t.dtype()), t.device());
}
Tensor zeros_like(const Tensor& t, std::optional<DType> dtype) {
  return zeros(t.sizes(), dtype.value_or(t.dtype()), t.device());
}
Tensor ones_like(const Tensor& t, std::optional<DType> dtype) {
  return ones(t.sizes(), dtype.value_or(t.dtype()), t.device());
}
Tensor full_like(const Tensor& t, Scalar value, std::optional<DType> dtype) {
  return full(t.sizes(), value, dtype.value_or(t.dtype()), t.device());
}

Tensor arange(Scalar end) { return arange(0, end, 1); }

Tensor arange(Scalar start, Scalar end, Scalar step, std::optional<DType> dtype, Device device) {
  bool all_int = !start.is_floating() && !end.is_floating() && !step.is_floating();
  DType dt = dtype.value_or(all_int ? kInt64 : kDefaultFloat);
  double s = start.to_double(), e = end.to_double(), st = step.to_double();
  TG_CHECK(st != 0, "arange: step must be nonzero");
  TG_CHECK(std::isfinite(s) && std::isfinite(e) && std::isfinite(st),
           "arange: start, end and step must be finite");
  TG_CHECK((st > 0 && e >= s) || (st < 0 && e <= s), "arange: upper bound ", e,
           " and lower bound ", s, " are inconsistent with step sign ", st);
  int64_t n = all_int ? (end.to_int() - start.to_int() + step.to_int() - (st > 0 ? 1 : -1)) /
                            step.to_int()
                      : static_cast<int64_t>(std::ceil((e - s) / st));
  Tensor t = empty({n}, dt, Device{kCPU});
  dispatch(dt, "arange", [&]<class T>() {
    T* p = static_cast<T*>(t.data_ptr());
    for (int64_t i = 0; i < n; ++i) {
      if (all_int) p[i] = static_cast<T>(start.to_int() + i * step.to_int());
      else p[i] = static_cast<T>(s + static_cast<double>(i) * st);
    }
  });
  return t.to(device);
}

Tensor linspace(double start, double end, int64_t steps, DType dtype, Device device) {
  TG_CHECK(steps >= 0, "linspace: number of steps must be non-negative, got ", steps);
  Tensor t = empty({steps}, dtype, Device{kCPU});
  double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  dispatch(dtype, "linspace", [&]<class T>() {
    T* p = static_cast<T*>(t.data_ptr());
    // Fill symmetric halves from each end, like PyTorch, so the last value is exactly `end`.
    // A single step is `start` (PyTorch), not the end point the symmetric fill would give.
    int64_t half = steps == 1 ? 1 : steps / 2;
    for (int64_t i = 0; i < steps; ++i)
      p[i] = static_cast<T>(i < half ? start + step * static_cast<double>(i)
                                     : end - step * static_cast<double>(steps - 1 - i));
  });
  return t.to(device);
}

Tensor eye(int64_t n, std::optional<int64_t> m_opt, DType dtype, Device device) {
  int64_t m = m_opt.value_or(n);
  TG_CHECK(n >= 0 && m >= 0, "eye: sizes must be non-negative, got ", n, " x ", m);
  Tensor t = zeros({n, m}, dtype, Device{kCPU});
  dispatch(dtype, "eye", [&]<class T>() {
    T* p = static_cast<T*>(t.data_ptr());
    for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = T(1);
  });
  return t.to(device);
}

Tensor rand(const DimVec& shape, Generator* gen, DType dtype, Device device) {
  TG_CHECK(is_floating(dtype), "rand: dtype must be floating, got ", dtype_name(dtype));
  Generator& g = gen ? *gen : default_generator();
  Tensor t = empty(shape, dtype, device);
  kernels::backend(device, "rand").uniform(t, g.seed(), g.reserve(static_cast<uint64_t>(t.numel())), 0.0, 1.0);
  return t;
}

Tensor randn(const DimVec& shape, Generator* gen, DType dtype, Device device) {
  TG_CHECK(is_floating(dtype), "randn: dtype must be floating, got ", dtype_name(dtype));
  Generator& g = gen ? *gen : default_generator();
  Tensor t = empty(shape, dtype, device);
  kernels::backend(device, "randn").normal(t, g.seed(), g.reserve(static_cast<uint64_t>(t.numel())), 0.0, 1.0);
  return t;
}

Tensor randint(int64_t low, int64_t high, const DimVec& shape, Generator* gen, DType dtype,
               Device device) {
  TG_CHECK(low < high, "randint: low (", low, ") must be less than high (", high, ")");
  TG_CHECK(dtype != kBool, "randint: dtype bool is not supported");
  Generator& g = gen ? *gen : default_generator();
  Tensor t = empty(shape, dtype, device);
  kernels::backend(device, "randint").randint(t, g.seed(), g.reserve(static_cast<uint64_t>(t.numel())), low, high);
  return t;
}

Tensor randperm(int64_t n, Generator* gen, Device device) {
  TG_CHECK(n >= 0, "randperm: n must be non-negative, got ", n);
  // Sorting n random keys gives a uniformly random permutation (ties are astronomically rare and
  // broken by index, so the result is still a permutation).
  Tensor keys = rand({n}, gen, kFloat64, Device{kCPU});
  return argsort(keys).to(device);
}

template <class T>
Tensor from_vector(const std::vector<T>& values, std::optional<DimVec> shape, Device device) {
  using Elem = std::conditional_t<std::is_same_v<T, int>, int64_t, T>;
  DimVec s = shape.value_or(DimVec{static_cast<int64_t>(values.size())});
  TG_CHECK(shape_numel(s) == static_cast<int64_t>(values.size()), "from_vector: shape ", s,
           " holds ", shape_numel(s), " elements but ", values.size(), " values were given");
  Tensor t = empty(s, dtype_of<Elem>, Device{kCPU});
  Elem* p = static_cast<Elem*>(t.data_ptr());
  for (size_t i = 0; i < values.size(); ++i) p[i] = static_cast<Elem>(values[i]);
  return t.to(device);
}
template Tensor from_vector<float>(const std::vector<float>&, std::optional<DimVec>, Device);
template Tensor from_vector<double>(const std::vector<double>&, std::optional<DimVec>, Device);
template Tensor from_vector<int64_t>(const std::vector<int64_t>&, std::optional<DimVec>, Device);
template Tensor from_vector<int>(const std::vector<int>&, std::optional<DimVec>, Device);
template Tensor from_vector<bool>(const std::vector<bool>&, std::optional<DimVec>, Device);

Tensor tensor(std::initializer_list<double> values, DType dtype) {
  return from_vector(std::vector<double>(values)).to(dtype);
}

Tensor from_blob(void* data, const DimVec& shape, DType dtype, Storage::Deleter deleter,
                 std::optional<DimVec> strides) {
  TG_CHECK(data != nullptr || shape_numel(shape) == 0, "from_blob: data pointer is null");
  DimVec st = strides.value_or(contiguous_strides(shape));
  TG_CHECK(st.size() == shape.size(), "from_blob: strides ", st, " do not match shape ", shape);
  int64_t extent = 1;
  for (int i = 0; i < shape.size(); ++i) {
    TG_CHECK(shape[i] >= 0 && st[i] >= 0, "from_blob: negative size or stride in shape ", shape,
             " strides ", st);
    if (shape[i] > 0) extent += (shape[i] - 1) * st[i];
  }
  if (shape_numel(shape) == 0) extent = 0;
  auto storage = std::make_shared<Storage>(data, static_cast<size_t>(extent) * itemsize(dtype),
                                           Device{kCPU}, std::move(deleter));
  return Tensor(std::make_shared<TensorImpl>(std::move(storage), shape, st, 0, dtype));
}

}  // namespace tg
