// tensor/dtype.h — element types, type promotion and the one-switch dtype dispatch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>

#include "error.h"

namespace tg {

// Ordered by promotion rank: bool < int64 < float32 < float64.
enum class DType : uint8_t { Bool = 0, Int64 = 1, Float32 = 2, Float64 = 3 };

inline constexpr DType kBool = DType::Bool;
inline constexpr DType kInt64 = DType::Int64;
inline constexpr DType kFloat32 = DType::Float32;
inline constexpr DType kFloat64 = DType::Float64;
inline constexpr DType kDefaultFloat = DType::Float32;

constexpr size_t itemsize(DType t) {
  switch (t) {
    case DType::Bool: return 1;
    case DType::Int64: return 8;
    case DType::Float32: return 4;
    case DType::Float64: return 8;
  }
  return 0;
}

constexpr const char* dtype_name(DType t) {
  switch (t) {
    case DType::Bool: return "bool";
    case DType::Int64: return "int64";
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
  }
  return "?";
}

constexpr bool is_floating(DType t) { return t == DType::Float32 || t == DType::Float64; }

// Result type of a binary op between two tensors: the higher rank wins.
constexpr DType promote_types(DType a, DType b) { return a > b ? a : b; }

std::ostream& operator<<(std::ostream& os, DType t);

template <class T>
struct DTypeOf;
template <> struct DTypeOf<bool> { static constexpr DType value = DType::Bool; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::Int64; };
template <> struct DTypeOf<float> { static constexpr DType value = DType::Float32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::Float64; };
template <class T>
inline constexpr DType dtype_of = DTypeOf<T>::value;

// dispatch(dtype, op, [&]<class T>() { ... }) calls the lambda once with T = the C++ element type.
// This is the only place a runtime dtype becomes a compile-time type: one switch per op call.
template <class F>
decltype(auto) dispatch(DType t, const char* op, F&& f) {
  switch (t) {
    case DType::Bool: return f.template operator()<bool>();
    case DType::Int64: return f.template operator()<int64_t>();
    case DType::Float32: return f.template operator()<float>();
    case DType::Float64: return f.template operator()<double>();
  }
  TG_THROW(op, ": unknown dtype");
}

// Same, for ops that only make sense on floating types.
template <class F>
decltype(auto) dispatch_floating(DType t, const char* op, F&& f) {
  switch (t) {
    case DType::Float32: return f.template operator()<float>();
    case DType::Float64: return f.template operator()<double>();
    default: TG_THROW(op, ": expected a floating dtype (float32 or float64), got ", dtype_name(t));
  }
}

}  // namespace tg
