// kernels/cpu/simd.h — CPU kernels compiled once per instruction set, chosen at run time.
//
// The default build targets plain x86-64 (SSE2), which leaves GEMM at ~30% of peak and every
// transcendental scalar. simd_impl.h holds the hot loops (Eigen GEMM, vectorised exp/log/tanh/
// erf/...); simd_base.cpp, simd_avx2.cpp and simd_avx512.cpp compile it with different -m flags
// (set per source file in the top-level CMakeLists.txt) and kernels() picks the best table the
// CPU supports, once, with __builtin_cpu_supports. TG_CPU_ISA=base|avx2|avx512 caps the choice
// (for tests and benchmarks of the fallbacks).
//
// Only plain types cross this interface: the ISA translation units must not instantiate inline
// functions that other TUs also define (tensor code, functors, std templates), or the linker
// could keep the AVX copy for everyone. Eigen is renamed per ISA for the same reason.
#pragma once

#include <cstdint>

namespace tg::kernels::cpu::simd {

// C[n, m] = alpha * A[n, k] * W[k, m] + beta * C; A and W have a unit stride on one side.
struct GemmArgs {
  const void* a;
  const void* w;
  void* c;
  int64_t n, k, m;
  int64_t lda, ldw, ldc;  // leading dimensions (elements); C is row-major
  bool a_row_major, w_row_major;
  double alpha, beta;
};

// Recomputes y[0, n) = op(x[0, n)) with the scalar functor: for chunks holding values outside a
// vector kernel's trusted range (NaN, inf, denormal results), so results match std:: there. float
// exp, sigmoid and the softmax row call it per element (n = 1) on just those values.
using ScalarFix = void (*)(const void* ctx, const void* x, void* y, int64_t n);

// Binary float ops with a vector path (exact IEEE ops: the same bits as the scalar functors).
enum class VecBinary : int { Add, Sub, Mul, Div, ReluBackward };

// Unary ops with a vector path (others return false and use the scalar functor loop).
enum class VecUnary : int { Exp, Log, Tanh, Sigmoid, Gelu, Erf, Softplus, Relu, DropoutMask };

// float sums: kSumLanes float lanes over sub-blocks of kSumSub elements, flushed into as many
// double lanes that add up in lane order at the end. Fixed here, so every ISA gives the same bits.
inline constexpr int kSumLanes = 32;
inline constexpr int64_t kSumSub = 256;

struct Kernels {
  const char* name;
  void (*gemm_f32)(const GemmArgs&);
  void (*gemm_f64)(const GemmArgs&);
  // y = op(x) over n contiguous elements; a, b are op parameters (softplus beta, threshold).
  // Returns false if this op/dtype has no vector path here (nothing written).
  bool (*unary_f32)(VecUnary op, double a, double b, const float* x, float* y, int64_t n,
                    ScalarFix fix, const void* ctx);
  bool (*unary_f64)(VecUnary op, double a, double b, const double* x, double* y, int64_t n,
                    ScalarFix fix, const void* ctx);
  // Sum of n floats (see kSumLanes), returned in double.
  double (*sum_f32)(const float* p, int64_t n);
  // Max (is_max) or min of n > 0 floats; NaN if any is NaN.
  float (*minmax_f32)(const float* p, int64_t n, bool is_max);
  // The softmax row kernel: e = exp(x - shift), written to y unless y is null, and the sum of e
  // returned in sum_f32's lane order. Elements whose x - shift leave exp's trusted range go
  // through `fix` (the scalar exp of the shifted value), one at a time. One pass over x, so
  // softmax and log_softmax need no stored intermediate; the bits equal exp then sum_f32 done
  // separately.
  double (*exp_shift_sum_f32)(const float* x, float shift, float* y, int64_t n, ScalarFix fix,
                              const void* ctx);
  // The softmax row's last pass: y = x - shift - factor (log) or y *= factor.
  void (*softmax_finish_f32)(const float* x, float* y, int64_t n, float shift, float factor,
                             bool log);
  // p[i] = lo + span * u(i), u(i) = (word 0 of Philox-4x32-10(seed, ctr0 + i) >> 8) / 2^24: the
  // float rand() fill of random.cpp, 8 counters per vector; the same bits as the scalar Philox
  // of kernels/functors.h (duplicated here, see the note above, and checked by the tests).
  void (*uniform_f32)(float* p, int64_t n, uint64_t seed, uint64_t ctr0, float lo, float span);
  // acc[j] += sum over rows r of x[r * ld + j], j < w: float column sums in sub-blocks of kSumSub
  // rows (float per column), each sub-block total added to acc in double. Per column the order
  // is fixed, so the bits do not depend on the ISA or on how columns are split into tasks.
  void (*sum_cols_f32)(const float* x, int64_t rows, int64_t ld, int64_t w, double* acc);
  // o[i] = a[i * sa] op b[i * sb] with strides sa, sb in {0, 1} (0: a broadcast scalar), not
  // both 0; o may be a or b (in place).
  void (*binary_f32)(VecBinary op, const float* a, int64_t sa, const float* b, int64_t sb, float* o,
                     int64_t n);
  // acc[j] = max (is_max) or min of acc[j] and x[r * ld + j] over rows r, j < w; NaN sticks.
  // Exact selects, so every ISA gives the same bits.
  void (*minmax_cols_f32)(const float* x, int64_t rows, int64_t ld, int64_t w, float* acc,
                          bool is_max);
};

// One table per ISA TU. A TU built without its -m flags (not x86-64 GCC/Clang) leaves its
// table's name null, and kernels() skips it.
extern const Kernels kBaseKernels;
extern const Kernels kAvx2Kernels;
extern const Kernels kAvx512Kernels;

// The table for this CPU (decided on first use).
const Kernels& kernels();

}  // namespace tg::kernels::cpu::simd
