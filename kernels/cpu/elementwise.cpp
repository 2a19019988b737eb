// kernels/cpu/elementwise.cpp — copy, fill, unary, binary and where on the CPU.
//
// Fast path: all operands contiguous -> one flat loop the compiler vectorises. Otherwise the
// strided loop (loops.h) hands us runs along the innermost dim; we again specialise the run for
// unit strides and for a stride-0 (broadcast scalar) operand.
#include <algorithm>
#include <cstring>

#include "cpu_kernels.h"
#include "loops.h"
#include "simd.h"

namespace tg::kernels::cpu {
namespace {

template <class T>
T* ptr(const Tensor& t) {
  return static_cast<T*>(t.data_ptr());
}

// The vector kernel (simd.h) for functor F, if there is one.
template <class F> inline constexpr bool kHasVec = false;
template <> inline constexpr bool kHasVec<ExpF> = true;
template <> inline constexpr bool kHasVec<LogF> = true;
template <> inline constexpr bool kHasVec<TanhF> = true;
template <> inline constexpr bool kHasVec<SigmoidF> = true;
template <> inline constexpr bool kHasVec<GeluF> = true;
template <> inline constexpr bool kHasVec<ErfF> = true;
template <> inline constexpr bool kHasVec<SoftplusF> = true;
template <> inline constexpr bool kHasVec<ReluF> = true;
template <> inline constexpr bool kHasVec<DropoutMaskF> = true;
template <class F>
constexpr simd::VecUnary vec_op() {
  if constexpr (std::is_same_v<F, ExpF>) return simd::VecUnary::Exp;
  else if constexpr (std::is_same_v<F, LogF>) return simd::VecUnary::Log;
  else if constexpr (std::is_same_v<F, TanhF>) return simd::VecUnary::Tanh;
  else if constexpr (std::is_same_v<F, SigmoidF>) return simd::VecUnary::Sigmoid;
  else if constexpr (std::is_same_v<F, GeluF>) return simd::VecUnary::Gelu;
  else if constexpr (std::is_same_v<F, ErfF>) return simd::VecUnary::Erf;
  else if constexpr (std::is_same_v<F, ReluF>) return simd::VecUnary::Relu;
  else if constexpr (std::is_same_v<F, DropoutMaskF>) return simd::VecUnary::DropoutMask;
  else return simd::VecUnary::Softplus;
}

// The scalar functor over a run: the reference, and the fix-up for the vector kernels.
template <class R, class T, class F>
void scalar_run(const void* ctx, const void* x, void* y, int64_t n) {
  const F& f = *static_cast<const F*>(ctx);
  const T* xi = static_cast<const T*>(x);
  R* o = static_cast<R*>(y);
  for (int64_t i = 0; i < n; ++i) o[i] = f(xi[i]);
}

// o[0, n) = f(x[0, n)) for unit-stride runs: the vector kernel for float/double when F has one.
template <class R, class T, class F>
void unary_run(const T* x, R* o, int64_t n, const F& f) {
  if constexpr (kHasVec<F> && std::is_same_v<R, T> &&
                (std::is_same_v<T, float> || std::is_same_v<T, double>)) {
    const simd::Kernels& k = simd::kernels();
    bool done;
    if constexpr (std::is_same_v<T, float>)
      done = k.unary_f32(vec_op<F>(), f.p.a, f.p.b, x, o, n, scalar_run<R, T, F>, &f);
    else
      done = k.unary_f64(vec_op<F>(), f.p.a, f.p.b, x, o, n, scalar_run<R, T, F>, &f);
    if (done) return;
  }
  for (int64_t i = 0; i < n; ++i) o[i] = f(x[i]);
}

template <class R, class T, class F>
void unary_loop(const Tensor& x, const Tensor& out, F f) {
  if (x.is_contiguous() && out.is_contiguous()) {
    const T* xp = ptr<T>(x);
    R* op = ptr<R>(out);
    parallel_for(out.numel(), kGrain, [&](int64_t b, int64_t e) {
      unary_run<R, T>(xp + b, op + b, e - b, f);
    });
    return;
  }
  StridedLoop<2> loop({&out, &x});
  const int64_t so = loop.inner_stride(0), sx = loop.inner_stride(1);
  loop.run([&](const std::array<char*, 2>& p, int64_t n) {
    if (so == sizeof(R) && sx == sizeof(T)) {
      unary_run<R, T>(reinterpret_cast<const T*>(p[1]), reinterpret_cast<R*>(p[0]), n, f);
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<R*>(p[0] + i * so) = f(*reinterpret_cast<const T*>(p[1] + i * sx));
    }
  });
}

// The vector kernel (simd.h) for float add/sub/mul/div, if F is one of them (add/sub only with
// alpha 1: a + alpha * b keeps the scalar loop).
template <class F>
bool vec_binary(const F& f, simd::VecBinary& op) {
  if constexpr (std::is_same_v<F, AddF>) {
    op = simd::VecBinary::Add;
    return f.alpha == 1.0;
  } else if constexpr (std::is_same_v<F, SubF>) {
    op = simd::VecBinary::Sub;
    return f.alpha == 1.0;
  } else if constexpr (std::is_same_v<F, MulF>) {
    op = simd::VecBinary::Mul;
    return true;
  } else if constexpr (std::is_same_v<F, DivF>) {
    op = simd::VecBinary::Div;
    return true;
  } else if constexpr (std::is_same_v<F, ReluBackwardF>) {
    op = simd::VecBinary::ReluBackward;
    return true;
  } else return false;
}

template <class R, class T, class F>
void binary_loop(const Tensor& a, const Tensor& b, const Tensor& out, F f) {
  [[maybe_unused]] simd::VecBinary vop{};
  [[maybe_unused]] bool vec = false;
  if constexpr (std::is_same_v<R, float> && std::is_same_v<T, float>) vec = vec_binary(f, vop);
  if (a.is_contiguous() && b.is_contiguous() && out.is_contiguous()) {
    const T* ap = ptr<T>(a);
    const T* bp = ptr<T>(b);
    R* op = ptr<R>(out);
    if constexpr (std::is_same_v<R, float> && std::is_same_v<T, float>) {
      if (vec) {
        const simd::Kernels& k = simd::kernels();
        parallel_for(out.numel(), kGrain, [&](int64_t s, int64_t e) {
          k.binary_f32(vop, ap + s, 1, bp + s, 1, op + s, e - s);
        });
        return;
      }
    }
    parallel_for(out.numel(), kGrain, [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) op[i] = f(ap[i], bp[i]);
    });
    return;
  }
  StridedLoop<3> loop({&out, &a, &b});
  const int64_t so = loop.inner_stride(0), sa = loop.inner_stride(1), sb = loop.inner_stride(2);
  loop.run([&](const std::array<char*, 3>& p, int64_t n) {
    R* o = reinterpret_cast<R*>(p[0]);
    const T* ai = reinterpret_cast<const T*>(p[1]);
    const T* bi = reinterpret_cast<const T*>(p[2]);
    if constexpr (std::is_same_v<R, float> && std::is_same_v<T, float>) {
      if (vec && so == sizeof(R) && (sa == sizeof(T) || sa == 0) && (sb == sizeof(T) || sb == 0) &&
          (sa != 0 || sb != 0)) {
        simd::kernels().binary_f32(vop, ai, sa ? 1 : 0, bi, sb ? 1 : 0, o, n);
        return;
      }
    }
    if (so == sizeof(R) && sa == sizeof(T) && sb == sizeof(T)) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(ai[i], bi[i]);
    } else if (so == sizeof(R) && sa == sizeof(T) && sb == 0) {
      const T bv = *bi;
      for (int64_t i = 0; i < n; ++i) o[i] = f(ai[i], bv);
    } else if (so == sizeof(R) && sa == 0 && sb == sizeof(T)) {
      const T av = *ai;
      for (int64_t i = 0; i < n; ++i) o[i] = f(av, bi[i]);
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<R*>(p[0] + i * so) = f(*reinterpret_cast<const T*>(p[1] + i * sa),
                                                 *reinterpret_cast<const T*>(p[2] + i * sb));
    }
  });
}

}  // namespace

void copy(const Tensor& src, const Tensor& dst) {
  if (src.dtype() == dst.dtype() && src.is_contiguous() && dst.is_contiguous()) {
    const size_t n = dst.nbytes();
    char* d = static_cast<char*>(dst.data_ptr());
    const char* s = static_cast<const char*>(src.data_ptr());
    // Large disjoint copies in parallel pieces: one core's copy is bound by the misses it keeps
    // in flight (a 25.6 MB clone: ~2.0 ms on 1 or 2 threads as one memmove). Overlapping ones
    // (a view copied into its own storage) keep memmove's semantics.
    const bool disjoint = d + n <= s || s + n <= d;
    if (disjoint && n >= (size_t{1} << 20)) {
      parallel_for(static_cast<int64_t>(n), int64_t{1} << 19, [&](int64_t b, int64_t e) {
        std::memcpy(d + b, s + b, static_cast<size_t>(e - b));
      });
      return;
    }
    if (n) std::memmove(d, s, n);
    return;
  }
  dispatch(dst.dtype(), "copy", [&]<class D>() {
    dispatch(src.dtype(), "copy", [&]<class S>() {
      unary_loop<D, S>(src, dst, [](S v) {
        if constexpr (std::is_same_v<D, bool>) return static_cast<bool>(v != S(0));
        else return static_cast<D>(v);
      });
    });
  });
}

void fill(const Tensor& dst, Scalar value) {
  dispatch(dst.dtype(), "fill", [&]<class T>() {
    const T v = value.to<T>();
    if (dst.is_contiguous()) {
      T* p = ptr<T>(dst);
      parallel_for(dst.numel(), kGrain, [&](int64_t b, int64_t e) { std::fill(p + b, p + e, v); });
      return;
    }
    StridedLoop<1> loop({&dst});
    const int64_t s = loop.inner_stride(0);
    loop.run([&](const std::array<char*, 1>& p, int64_t n) {
      for (int64_t i = 0; i < n; ++i) *reinterpret_cast<T*>(p[0] + i * s) = v;
    });
  });
}

void unary(UnaryOp op, const UnaryParams& params, const Tensor& x, const Tensor& out) {
  with_unary_functor(op, params, [&](auto f) {
    auto run = [&]<class T>() {
      using R = decltype(f(T{}));
      unary_loop<R, T>(x, out, f);
    };
    if constexpr (kFloatOnly<decltype(f)>) dispatch_floating(x.dtype(), "unary", run);
    else dispatch(x.dtype(), "unary", run);
  });
}

void binary(BinaryOp op, double alpha, const Tensor& a, const Tensor& b, const Tensor& out) {
  with_binary_functor(op, alpha, [&](auto f) {
    auto run = [&]<class T>() {
      using R = decltype(f(T{}, T{}));
      binary_loop<R, T>(a, b, out, f);
    };
    if constexpr (kFloatOnly<decltype(f)>) dispatch_floating(a.dtype(), "binary", run);
    else dispatch(a.dtype(), "binary", run);
  });
}

void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) {
  dispatch(out.dtype(), "where", [&]<class T>() {
    StridedLoop<4> loop({&out, &cond, &a, &b});
    const int64_t so = loop.inner_stride(0), sc = loop.inner_stride(1),
                  sa = loop.inner_stride(2), sb = loop.inner_stride(3);
    loop.run([&](const std::array<char*, 4>& p, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        bool c = *reinterpret_cast<const bool*>(p[1] + i * sc);
        *reinterpret_cast<T*>(p[0] + i * so) =
            c ? *reinterpret_cast<const T*>(p[2] + i * sa) : *reinterpret_cast<const T*>(p[3] + i * sb);
      }
    });
  });
}

}  // namespace tg::kernels::cpu
