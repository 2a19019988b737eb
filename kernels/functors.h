// kernels/functors.h — the math of every elementwise op, written once for CPU and CUDA.
//
// Each functor is a plain struct with a TG_HD operator(); the CPU backend instantiates it inside
// its strided loops and the CUDA backend inside its kernels. Adding an elementwise op = one enum
// entry below + one functor + one case in functor dispatch (unary_functor / binary_functor).
// Not a public header: included only by kernels/ sources.
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>

#if defined(__CUDACC__)
#define TG_HD __host__ __device__ __forceinline__
#else
#define TG_HD inline
#endif

namespace tg::kernels {

// Parameters some unary ops need (clamp bounds, softplus beta/threshold).
struct UnaryParams {
  double a = 0.0;
  double b = 0.0;
  bool has_a = false;
  bool has_b = false;
};

// X-macro tables: (Enum name, float-only?, bool result?)
#define TG_UNARY_OPS(_)        \
  _(Neg, false, false)         \
  _(Exp, true, false)          \
  _(Log, true, false)          \
  _(Sqrt, true, false)         \
  _(Rsqrt, true, false)        \
  _(Abs, false, false)         \
  _(Sign, false, false)        \
  _(Tanh, true, false)         \
  _(Sigmoid, true, false)      \
  _(Relu, false, false)        \
  _(Gelu, true, false)         \
  _(Erf, true, false)          \
  _(Softplus, true, false)     \
  _(Clamp, false, false)       \
  _(DropoutMask, true, false)  \
  _(LogicalNot, false, true)

#define TG_BINARY_OPS(_)       \
  _(Add, false, false)         \
  _(Sub, false, false)         \
  _(Mul, false, false)         \
  _(Div, true, false)          \
  _(Pow, false, false)         \
  _(Maximum, false, false)     \
  _(Minimum, false, false)     \
  _(Eq, false, true)           \
  _(Ne, false, true)           \
  _(Lt, false, true)           \
  _(Le, false, true)           \
  _(Gt, false, true)           \
  _(Ge, false, true)           \
  _(LogicalAnd, false, true)   \
  _(LogicalOr, false, true)    \
  _(LogicalXor, false, true)   \
  _(ReluBackward, false, false)

#define TG_ENUM_ENTRY(name, f, b) name,
enum class UnaryOp : uint8_t { TG_UNARY_OPS(TG_ENUM_ENTRY) };
enum class BinaryOp : uint8_t { TG_BINARY_OPS(TG_ENUM_ENTRY) };
#undef TG_ENUM_ENTRY

// ---- unary functors: R operator()(T x) -------------------------------------------------------
template <class T> TG_HD bool is_nan(T x) { if constexpr (std::is_floating_point_v<T>) return x != x; else return false; }

struct NegF { UnaryParams p; template <class T> TG_HD T operator()(T x) const { return static_cast<T>(-x); } };
struct ExpF { UnaryParams p; template <class T> TG_HD T operator()(T x) const { using std::exp; return exp(x); } };
struct LogF { UnaryParams p; template <class T> TG_HD T operator()(T x) const { using std::log; return log(x); } };
struct SqrtF { UnaryParams p; template <class T> TG_HD T operator()(T x) const { using std::sqrt; return sqrt(x); } };
struct RsqrtF { UnaryParams p; template <class T> TG_HD T operator()(T x) const { using std::sqrt; return T(1) / sqrt(x); } };
struct AbsF {
  UnaryParams p;
  template <class T> TG_HD T operator()(T x) const {
    if constexpr (std::is_same_v<T, bool>) return x;
    else return x < T(0) ? static_cast<T>(-x) : x;
  }
};
struct SignF {
  UnaryParams p;
  template <class T> TG_HD T operator()(T x) const {
    if constexpr (std::is_same_v<T, bool>) return x;
    else if (is_nan(x)) return x;
    else return static_cast<T>((T(0) < x) - (x < T(0)));
  }
};
struct TanhF { UnaryParams p; template <class T> TG_HD T operator()(T x) const { using std::tanh; return tanh(x); } };
struct SigmoidF {
  UnaryParams p;
  // Branch-free and overflow-free: e = exp(-|x|) <= 1; 1/(1+e) for x >= 0, e/(1+e) below.
  template <class T> TG_HD T operator()(T x) const {
    using std::exp;
    using std::fabs;
    const T e = exp(-fabs(x));
    const T r = T(1) / (T(1) + e);
    return x >= T(0) ? r : e * r;
  }
};
struct ReluF {
  UnaryParams p;
  template <class T> TG_HD T operator()(T x) const {
    if constexpr (std::is_same_v<T, bool>) return x;
    else return is_nan(x) ? x : (x > T(0) ? x : T(0));
  }
};
struct GeluF {
  UnaryParams p;
  template <class T> TG_HD T operator()(T x) const {
    using std::erf;
    return x * T(0.5) * (T(1) + erf(x * T(0.70710678118654752440)));
  }
};
struct ErfF { UnaryParams p; template <class T> TG_HD T operator()(T x) const { using std::erf; return erf(x); } };
struct SoftplusF {
  UnaryParams p;  // a = beta, b = threshold
  template <class T> TG_HD T operator()(T x) const {
    using std::exp;
    using std::log1p;
    T bx = x * static_cast<T>(p.a);
    if (bx > static_cast<T>(p.b)) return x;
    return log1p(exp(bx)) / static_cast<T>(p.a);
  }
};
struct ClampF {
  UnaryParams p;  // a = min (if has_a), b = max (if has_b)
  template <class T> TG_HD T operator()(T x) const {
    if (is_nan(x)) return x;
    if (p.has_a && x < static_cast<T>(p.a)) x = static_cast<T>(p.a);
    if (p.has_b && x > static_cast<T>(p.b)) x = static_cast<T>(p.b);
    return x;
  }
};
// dropout's scaled keep mask from uniforms in [0, 1): u >= p ? scale : 0 (a = p, b = scale), with
// p and scale rounded to T first, as ge(u, p) and mul(keep, scale) on a T tensor round them.
struct DropoutMaskF {
  UnaryParams p;
  template <class T> TG_HD T operator()(T x) const {
    return x >= static_cast<T>(p.a) ? static_cast<T>(p.b) : T(0);
  }
};
struct LogicalNotF { UnaryParams p; template <class T> TG_HD bool operator()(T x) const { return !(x != T(0)); } };

// ---- binary functors: R operator()(T a, T b); `alpha` scales b for Add/Sub ---------------------
struct AddF { double alpha; template <class T> TG_HD T operator()(T a, T b) const {
  if constexpr (std::is_same_v<T, bool>) return a || b;
  else return alpha == 1.0 ? static_cast<T>(a + b) : static_cast<T>(a + static_cast<T>(alpha) * b); } };
struct SubF { double alpha; template <class T> TG_HD T operator()(T a, T b) const {
  return alpha == 1.0 ? static_cast<T>(a - b) : static_cast<T>(a - static_cast<T>(alpha) * b); } };
struct MulF { double alpha; template <class T> TG_HD T operator()(T a, T b) const {
  if constexpr (std::is_same_v<T, bool>) return a && b;
  else return static_cast<T>(a * b); } };
struct DivF { double alpha; template <class T> TG_HD T operator()(T a, T b) const { return a / b; } };
struct PowF {
  double alpha;
  template <class T> TG_HD T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      using std::pow;
      if (b == T(2)) return a * a;
      return pow(a, b);
    } else if constexpr (std::is_same_v<T, bool>) {
      return a || !b;
    } else {
      // Integer power by squaring; a negative exponent gives 1 / a^|b| truncated toward zero.
      if (b < 0) return a == 1 ? T(1) : (a == -1 ? ((b & 1) ? T(-1) : T(1)) : T(0));
      T r = 1;
      T base = a;
      while (b) {
        if (b & 1) r *= base;
        base *= base;
        b >>= 1;
      }
      return r;
    }
  }
};
struct MaximumF { double alpha; template <class T> TG_HD T operator()(T a, T b) const {
  return is_nan(a) ? a : is_nan(b) ? b : (a > b ? a : b); } };
struct MinimumF { double alpha; template <class T> TG_HD T operator()(T a, T b) const {
  return is_nan(a) ? a : is_nan(b) ? b : (a < b ? a : b); } };
struct EqF { double alpha; template <class T> TG_HD bool operator()(T a, T b) const { return a == b; } };
struct NeF { double alpha; template <class T> TG_HD bool operator()(T a, T b) const { return a != b; } };
struct LtF { double alpha; template <class T> TG_HD bool operator()(T a, T b) const { return a < b; } };
struct LeF { double alpha; template <class T> TG_HD bool operator()(T a, T b) const { return a <= b; } };
struct GtF { double alpha; template <class T> TG_HD bool operator()(T a, T b) const { return a > b; } };
struct GeF { double alpha; template <class T> TG_HD bool operator()(T a, T b) const { return a >= b; } };
// relu's backward, g = a and the relu output y = b: the bits of mul(g, (y > 0) as T), in one pass
// (g * 0 keeps its sign and NaN).
struct ReluBackwardF { double alpha; template <class T> TG_HD T operator()(T a, T b) const {
  if constexpr (std::is_same_v<T, bool>) return b && a;
  else return b > T(0) ? a : static_cast<T>(a * T(0)); } };
struct LogicalAndF { double alpha; template <class T> TG_HD bool operator()(T a, T b) const { return (a != T(0)) && (b != T(0)); } };
struct LogicalOrF { double alpha; template <class T> TG_HD bool operator()(T a, T b) const { return (a != T(0)) || (b != T(0)); } };
struct LogicalXorF { double alpha; template <class T> TG_HD bool operator()(T a, T b) const { return (a != T(0)) != (b != T(0)); } };

// kFloatOnly<F>: the functor is only instantiated for float/double (from the tables' 2nd column).
template <class F>
inline constexpr bool kFloatOnly = false;
#define TG_FLOAT_ONLY(name, fo, b) template <> inline constexpr bool kFloatOnly<name##F> = fo;
TG_UNARY_OPS(TG_FLOAT_ONLY)
TG_BINARY_OPS(TG_FLOAT_ONLY)
#undef TG_FLOAT_ONLY

// Calls f(functor) with the functor for `op` — the single switch from enum to code.
template <class F>
decltype(auto) with_unary_functor(UnaryOp op, const UnaryParams& p, F&& f) {
  switch (op) {
#define TG_CASE(name, fo, b) case UnaryOp::name: return f(name##F{p});
    TG_UNARY_OPS(TG_CASE)
#undef TG_CASE
  }
  return f(NegF{p});
}
template <class F>
decltype(auto) with_binary_functor(BinaryOp op, double alpha, F&& f) {
  switch (op) {
#define TG_CASE(name, fo, b) case BinaryOp::name: return f(name##F{alpha});
    TG_BINARY_OPS(TG_CASE)
#undef TG_CASE
  }
  return f(AddF{alpha});
}

// ---- counter-based RNG (Philox4x32-10), identical on host and device --------------------------
struct Philox {
  static TG_HD void round(uint32_t (&c)[4], uint32_t k0, uint32_t k1) {
    uint64_t p0 = static_cast<uint64_t>(0xD2511F53u) * c[0];
    uint64_t p1 = static_cast<uint64_t>(0xCD9E8D57u) * c[2];
    uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    c[0] = hi1 ^ c[1] ^ k0;
    c[1] = lo1;
    c[2] = hi0 ^ c[3] ^ k1;
    c[3] = lo0;
  }
  // Four 32-bit random words for counter `ctr` under key `seed`.
  static TG_HD void generate(uint64_t seed, uint64_t ctr, uint32_t (&out)[4]) {
    uint32_t c[4] = {static_cast<uint32_t>(ctr), static_cast<uint32_t>(ctr >> 32), 0u, 0u};
    uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
    for (int i = 0; i < 10; ++i) {
      round(c, k0, k1);
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    out[0] = c[0]; out[1] = c[1]; out[2] = c[2]; out[3] = c[3];
  }
  // Uniform in [0, 1) with T's full mantissa.
  template <class T>
  static TG_HD T uniform(const uint32_t (&w)[4], int lane) {
    if constexpr (std::is_same_v<T, float>) {
      return static_cast<float>(w[lane] >> 8) * (1.0f / 16777216.0f);
    } else {
      uint64_t bits = (static_cast<uint64_t>(w[lane]) << 32 | w[lane + 1]) >> 11;
      return static_cast<double>(bits) * (1.0 / 9007199254740992.0);
    }
  }
};

}  // namespace tg::kernels
