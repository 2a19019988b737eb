// tensor/scalar.h — a number passed to an op (fill value, clamp bound, `x + 2.5`).
#pragma once

#include <cstdint>
#include <type_traits>

#include "dtype.h"

namespace tg {

class Scalar {
 public:
  Scalar() = default;
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  Scalar(T v) {  // NOLINT: implicit so that `x + 1` and `full(shape, 0.5)` read naturally
    if constexpr (std::is_same_v<T, bool>) {
      kind_ = DType::Bool;
      i_ = v ? 1 : 0;
      d_ = static_cast<double>(i_);
    } else if constexpr (std::is_integral_v<T>) {
      kind_ = DType::Int64;
      i_ = static_cast<int64_t>(v);
      d_ = static_cast<double>(v);
    } else {
      kind_ = DType::Float64;
      d_ = static_cast<double>(v);
      i_ = 0;
    }
  }

  // The category of the number: Bool, Int64 or Float64 (a C++ float becomes Float64).
  DType kind() const { return kind_; }
  bool is_floating() const { return kind_ == DType::Float64; }
  double to_double() const { return d_; }
  int64_t to_int() const { return kind_ == DType::Float64 ? static_cast<int64_t>(d_) : i_; }

  template <class T>
  T to() const {
    if constexpr (std::is_same_v<T, bool>) return kind_ == DType::Float64 ? d_ != 0.0 : i_ != 0;
    else if constexpr (std::is_integral_v<T>) return static_cast<T>(to_int());
    else return static_cast<T>(d_);
  }

 private:
  DType kind_ = DType::Int64;
  double d_ = 0.0;
  int64_t i_ = 0;
};

}  // namespace tg
