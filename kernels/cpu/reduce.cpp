// kernels/cpu/reduce.cpp — sum/prod/max/min, argmax/argmin and softmax on the CPU.
//
// Every reduction is brought to the form x[A, R, B] -> out[A, B] (R reduced, contiguous layout):
// reduced dims that form one block in x's dim order map directly; otherwise x is permuted so the
// reduced dims come last and copied once. B == 1 is a row reduction (multi-accumulator loop);
// B > 1 accumulates whole rows of B, which vectorises over B. float sums accumulate in 32 float
// lanes over fixed sub-blocks of simd::kSumSub elements (rows, for B > 1) whose totals add up in
// double; double sums use 8 double lanes. Max/min are branch-free selects with NaN sticky
// (vectorised). Long row reductions are split into fixed 16K blocks whose partials combine in
// order, so the result does not depend on the thread count (nor on the instruction set).
#include <cmath>
#include <limits>
#include <vector>

#include "cpu_kernels.h"
#include "parallel.h"
#include "simd.h"

namespace tg::kernels::cpu {
namespace {

template <class T>
struct AccOf { using type = T; };
template <> struct AccOf<float> { using type = double; };

template <class T>
bool isnan_(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

// Reduction functors: identity, combine. Max/min propagate NaN like PyTorch.
template <class T> struct SumR { using Acc = typename AccOf<T>::type;
  static Acc init() { return Acc(0); } static Acc step(Acc a, T v) { return a + static_cast<Acc>(v); }
  static Acc merge(Acc a, Acc b) { return a + b; } };
template <class T> struct ProdR { using Acc = typename AccOf<T>::type;
  static Acc init() { return Acc(1); } static Acc step(Acc a, T v) { return a * static_cast<Acc>(v); }
  static Acc merge(Acc a, Acc b) { return a * b; } };
// Max/min: take v if it is better or NaN; a NaN accumulator is never replaced by a number
// (v > NaN is false), so NaN sticks. `|` rather than `||` keeps it a select, not a branch.
template <class T> struct MaxR { using Acc = T;
  static Acc init() { return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest(); }
  static Acc step(Acc a, T v) { return static_cast<bool>((v > a) | isnan_(v)) ? v : a; }
  static Acc merge(Acc a, Acc b) { return step(a, b); } };
template <class T> struct MinR { using Acc = T;
  static Acc init() { return std::numeric_limits<T>::has_infinity ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max(); }
  static Acc step(Acc a, T v) { return static_cast<bool>((v < a) | isnan_(v)) ? v : a; }
  static Acc merge(Acc a, Acc b) { return step(a, b); } };

constexpr int64_t kBlock = 16384;

// float sum and max/min of a run: the ISA-dispatched loops (simd.h; same bits on every ISA).
double sum_f32(const float* p, int64_t n) { return simd::kernels().sum_f32(p, n); }

// Max (kMax) or min of n floating values, NaN if any is NaN; float runs the dispatched loop.
template <class T, bool kMax>
T minmax_fp(const T* p, int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    if (n > 0) return simd::kernels().minmax_f32(p, n, kMax);
  }
  T r = kMax ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
  int any_nan = 0;
  for (int64_t i = 0; i < n; ++i) {
    const T v = p[i];
    r = (kMax ? v > r : v < r) ? v : r;
    any_nan |= static_cast<int>(v != v);
  }
  return any_nan ? std::numeric_limits<T>::quiet_NaN() : r;
}

template <class T, class Op>
typename Op::Acc reduce_run(const T* p, int64_t n) {
  using Acc = typename Op::Acc;
  if constexpr (std::is_same_v<Op, SumR<float>>) return sum_f32(p, n);
  if constexpr (std::is_floating_point_v<T> && std::is_same_v<Op, MaxR<T>>) return minmax_fp<T, true>(p, n);
  if constexpr (std::is_floating_point_v<T> && std::is_same_v<Op, MinR<T>>) return minmax_fp<T, false>(p, n);
  Acc acc[8];
  for (auto& a : acc) a = Op::init();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] = Op::step(acc[k], p[i + k]);
  for (; i < n; ++i) acc[0] = Op::step(acc[0], p[i]);
  Acc r = acc[0];
  for (int k = 1; k < 8; ++k) r = Op::merge(r, acc[k]);
  return r;
}

template <class T, class Op>
void reduce_arb(const T* x, T* out, int64_t A, int64_t R, int64_t B) {
  using Acc = typename Op::Acc;
  if (B == 1) {
    if (A == 1 && R > kBlock) {  // one long row: fixed blocks, partials merged in order
      int64_t nb = (R + kBlock - 1) / kBlock;
      std::vector<Acc> part(static_cast<size_t>(nb));
      parallel_for(nb, 1, [&](int64_t b, int64_t e) {
        for (int64_t k = b; k < e; ++k) {
          int64_t s = k * kBlock, len = std::min(kBlock, R - s);
          part[k] = reduce_run<T, Op>(x + s, len);
        }
      });
      Acc r = Op::init();
      for (Acc v : part) r = Op::merge(r, v);
      out[0] = static_cast<T>(r);
      return;
    }
    parallel_for(A, std::max<int64_t>(1, kGrain / std::max<int64_t>(R, 1)), [&](int64_t b, int64_t e) {
      for (int64_t a = b; a < e; ++a) out[a] = static_cast<T>(reduce_run<T, Op>(x + a * R, R));
    });
    return;
  }
  // B > 1: accumulate rows of B; parallel over A, or over column blocks when A is small. Blocks
  // are at least 256 columns wide: 1 KB runs per row keep the hardware prefetcher streaming
  // (64-column blocks made sum_dim0 of [1024, 1024] 1.4x slower, and amax_dim0 ran at 0.4x
  // PyTorch with them). The block width does not change any column's order of steps, so the
  // bits stay the same.
  int64_t col_grain = std::max<int64_t>(256, kGrain / std::max<int64_t>(R, 1));
  int64_t col_blocks = (B + col_grain - 1) / col_grain;
  parallel_for(A * col_blocks, 1, [&](int64_t tb, int64_t te) {
    std::vector<Acc> acc;
    for (int64_t t = tb; t < te; ++t) {
      int64_t a = t / col_blocks, c0 = (t % col_blocks) * col_grain;
      int64_t c1 = std::min(B, c0 + col_grain), w = c1 - c0;
      acc.assign(static_cast<size_t>(w), Op::init());
      const T* base = x + a * R * B + c0;
      if constexpr (std::is_same_v<Op, SumR<float>>) {
        // float lanes (one per column) over sub-blocks of kSumSub rows, then into double: the
        // ISA-dispatched loop (simd.h), so the columns run 16 wide where the CPU has AVX-512
        simd::kernels().sum_cols_f32(base, R, B, w, acc.data());
      } else if constexpr (std::is_same_v<T, float> && (std::is_same_v<Op, MaxR<float>> ||
                                                        std::is_same_v<Op, MinR<float>>)) {
        simd::kernels().minmax_cols_f32(base, R, B, w, acc.data(), std::is_same_v<Op, MaxR<float>>);
      } else if constexpr (std::is_same_v<Acc, bool>) {  // std::vector<bool> has no data()
        for (int64_t r = 0; r < R; ++r)
          for (int64_t j = 0; j < w; ++j) acc[j] = Op::step(acc[j], base[r * B + j]);
      } else {
        // __restrict: acc never aliases x, and saying so lets the column loop vectorise (without
        // it GCC kept one column per step).
        Acc* __restrict accp = acc.data();
        for (int64_t r = 0; r < R; ++r) {
          const T* __restrict row = base + r * B;
          for (int64_t j = 0; j < w; ++j) accp[j] = Op::step(accp[j], row[j]);
        }
      }
      for (int64_t j = 0; j < w; ++j) out[a * B + c0 + j] = static_cast<T>(acc[j]);
    }
  });
}

// Describes x (contiguous) as [A, R, B] if the reduced dims form one block; false otherwise.
bool as_arb(const Tensor& x, const bool* red, int64_t& A, int64_t& R, int64_t& B) {
  A = R = B = 1;
  int phase = 0;  // 0: before block, 1: in block, 2: after block
  for (int d = 0; d < x.dim(); ++d) {
    int64_t s = x.sizes()[d];
    if (s == 1) continue;
    if (red[d]) {
      if (phase == 2) return false;
      phase = 1;
      R *= s;
    } else {
      if (phase == 1) phase = 2;
      (phase == 0 ? A : B) *= s;
    }
  }
  return true;
}

}  // namespace

void reduce(ReduceOp op, const Tensor& x_in, const bool* red, const Tensor& out) {
  Tensor x = x_in;
  int64_t A, R, B;
  if (!x.is_contiguous() || !as_arb(x, red, A, R, B)) {
    DimVec perm;
    for (int d = 0; d < x.dim(); ++d)
      if (!red[d]) perm.push_back(d);
    for (int d = 0; d < x.dim(); ++d)
      if (red[d]) perm.push_back(d);
    x = x.permute(perm).contiguous();
    bool red2[kMaxDims];
    int nk = x.dim();
    for (int d = 0; d < nk; ++d) red2[d] = red[perm[d]];
    as_arb(x, red2, A, R, B);
  }
  TG_INTERNAL_ASSERT(out.is_contiguous());
  dispatch(x.dtype(), "reduce", [&]<class T>() {
    const T* xp = static_cast<const T*>(x.data_ptr());
    T* yp = static_cast<T*>(out.data_ptr());
    if (x.numel() == 0) {  // empty reduction: identity
      for (int64_t i = 0; i < out.numel(); ++i) {
        switch (op) {
          case ReduceOp::Sum: yp[i] = T(0); break;
          case ReduceOp::Prod: yp[i] = T(1); break;
          default: TG_INTERNAL_ASSERT(false, "empty max/min must be rejected by the op");
        }
      }
      return;
    }
    switch (op) {
      case ReduceOp::Sum:
      case ReduceOp::Prod:
        if constexpr (std::is_same_v<T, bool>) {
          TG_INTERNAL_ASSERT(false, "sum/prod of bool must be computed in int64");
        } else if (op == ReduceOp::Sum) {
          reduce_arb<T, SumR<T>>(xp, yp, A, R, B);
        } else {
          reduce_arb<T, ProdR<T>>(xp, yp, A, R, B);
        }
        break;
      case ReduceOp::Max: reduce_arb<T, MaxR<T>>(xp, yp, A, R, B); break;
      case ReduceOp::Min: reduce_arb<T, MinR<T>>(xp, yp, A, R, B); break;
    }
  });
}

void arg_reduce(bool is_max, const Tensor& x_in, int dim, const Tensor& values,
                const Tensor& indices) {
  Tensor x = x_in.contiguous();
  int64_t A, R, B;
  split_around(x.sizes(), dim, A, R, B);
  dispatch(x.dtype(), "argmax", [&]<class T>() {
    const T* xp = static_cast<const T*>(x.data_ptr());
    T* vp = static_cast<T*>(values.data_ptr());
    int64_t* ip = static_cast<int64_t*>(indices.data_ptr());
    // better(v, best): strictly better, or NaN (which wins and sticks).
    auto better = [is_max](T v, T best) {
      if (isnan_(best)) return false;
      if (isnan_(v)) return true;
      return is_max ? v > best : v < best;
    };
    parallel_for(A * B, std::max<int64_t>(1, kGrain / std::max<int64_t>(R, 1)),
                 [&](int64_t b0, int64_t e0) {
      for (int64_t t = b0; t < e0; ++t) {
        int64_t a = t / B, c = t % B;
        const T* p = xp + a * R * B + c;
        T best = p[0];
        int64_t bi = 0;
        for (int64_t r = 1; r < R; ++r)
          if (better(p[r * B], best)) {
            best = p[r * B];
            bi = r;
          }
        vp[t] = best;
        ip[t] = bi;
      }
    });
  });
}

// The scalar exp over a run: the fix-up for the values outside the vector exp's trusted range
// (single elements for float, whole chunks for double; see simd_impl.h).
template <class T>
void exp_fix(const void*, const void* x, void* y, int64_t len) {
  const T* xi = static_cast<const T*>(x);
  T* yi = static_cast<T*>(y);
  for (int64_t i = 0; i < len; ++i) yi[i] = std::exp(xi[i]);
}

// exp over a run in place, with the ISA-dispatched vector kernel (simd.h).
template <class T>
void exp_inplace(T* p, int64_t n) {
  const simd::Kernels& k = simd::kernels();
  if constexpr (std::is_same_v<T, float>)
    k.unary_f32(simd::VecUnary::Exp, 0, 0, p, p, n, exp_fix<T>, nullptr);
  else k.unary_f64(simd::VecUnary::Exp, 0, 0, p, p, n, exp_fix<T>, nullptr);
}

// softmax = exp(x - max) / sum, log_softmax = x - max - log(sum): one exp per element, written
// into the output and summed from there (float: in float lanes per sub-block, then double).
void softmax(const Tensor& x_in, int dim, bool log, const Tensor& out) {
  Tensor x = x_in.contiguous();
  int64_t A, R, B;
  split_around(x.sizes(), dim, A, R, B);
  dispatch_floating(x.dtype(), "softmax", [&]<class T>() {
    const T* xp = static_cast<const T*>(x.data_ptr());
    T* op = static_cast<T*>(out.data_ptr());
    if (B == 1) {  // the last dim: unit stride
      parallel_for(A, std::max<int64_t>(1, kGrain / std::max<int64_t>(R, 1)), [&](int64_t b0, int64_t e0) {
        for (int64_t a = b0; a < e0; ++a) {
          const T* p = xp + a * R;
          T* o = op + a * R;
          T m = minmax_fp<T, true>(p, R);
          if (std::isinf(m) && m < 0) m = 0;  // all -inf row: avoid inf - inf
          double s;
          if constexpr (std::is_same_v<T, float>) {
            // One fused pass: exp(x - m) in L1-sized chunks, summed there; stored only for
            // softmax (log_softmax needs just the sum).
            s = simd::kernels().exp_shift_sum_f32(p, m, log ? nullptr : o, R, exp_fix<T>, nullptr);
          } else {
            for (int64_t r = 0; r < R; ++r) o[r] = p[r] - m;
            exp_inplace(o, R);
            s = reduce_run<T, SumR<T>>(o, R);
          }
          const T factor = log ? static_cast<T>(std::log(s)) : static_cast<T>(1.0 / s);
          if constexpr (std::is_same_v<T, float>) {
            simd::kernels().softmax_finish_f32(p, o, R, m, factor, log);
          } else if (log) {
            for (int64_t r = 0; r < R; ++r) o[r] = p[r] - m - factor;
          } else {
            for (int64_t r = 0; r < R; ++r) o[r] *= factor;
          }
        }
      });
      return;
    }
    // B > 1: columns of B; tasks of (a, column block), rows of the block are unit-stride runs.
    const int64_t cw = std::max<int64_t>(64, kGrain / std::max<int64_t>(R, 1));
    const int64_t col_blocks = (B + cw - 1) / cw;
    parallel_for(A * col_blocks, 1, [&](int64_t tb, int64_t te) {
      std::vector<T> m;
      std::vector<double> s;
      std::vector<T> fac;
      for (int64_t t = tb; t < te; ++t) {
        const int64_t a = t / col_blocks, c0 = (t % col_blocks) * cw;
        const int64_t w = std::min(B, c0 + cw) - c0;
        const T* p = xp + a * R * B + c0;
        T* o = op + a * R * B + c0;
        m.assign(static_cast<size_t>(w), -std::numeric_limits<T>::infinity());
        s.assign(static_cast<size_t>(w), 0.0);
        for (int64_t r = 0; r < R; ++r)
          for (int64_t j = 0; j < w; ++j) m[j] = MaxR<T>::step(m[j], p[r * B + j]);
        for (int64_t j = 0; j < w; ++j)
          if (std::isinf(m[j]) && m[j] < 0) m[j] = 0;
        for (int64_t r = 0; r < R; ++r) {
          T* orow = o + r * B;
          for (int64_t j = 0; j < w; ++j) orow[j] = p[r * B + j] - m[j];
          exp_inplace(orow, w);
          for (int64_t j = 0; j < w; ++j) s[j] += static_cast<double>(orow[j]);
        }
        fac.resize(static_cast<size_t>(w));
        for (int64_t j = 0; j < w; ++j)
          fac[j] = log ? static_cast<T>(std::log(s[j])) : static_cast<T>(1.0 / s[j]);
        for (int64_t r = 0; r < R; ++r) {
          T* orow = o + r * B;
          if (log)
            for (int64_t j = 0; j < w; ++j) orow[j] = p[r * B + j] - m[j] - fac[j];
          else
            for (int64_t j = 0; j < w; ++j) orow[j] *= fac[j];
        }
      }
    });
  });
}

}  // namespace tg::kernels::cpu
