// kernels/cpu/gemm_backend.h — which library runs the float/double GEMM of kernels/cpu/gemm.cpp.
//
// Three backends:
//   tapegrad  tapegrad's own packed-panel kernel (gemm_packed.h), float and double, on CPUs with
//             AVX-512 or AVX2+FMA; products too small for it (a few rows, columns or depth) run
//             in Eigen.
//   eigen     Eigen's GEMM, built in (the ISA-dispatched copy of simd.h). Always there.
//   openblas  OpenBLAS's cblas_sgemm/cblas_dgemm, loaded at run time with dlopen (never linked,
//             so building needs no BLAS). Debian's libopenblas0-pthread provides libopenblas.so.0.
// The choice comes from tg::set_gemm_backend, else from TG_GEMM=auto|tapegrad|eigen|openblas at
// first use (default auto: tapegrad where the CPU has AVX-512 or AVX2+FMA, else OpenBLAS when it
// loads with optimised kernels for this CPU, else Eigen; where tapegrad runs, OpenBLAS is not
// loaded at all).
//
// Loading OpenBLAS: Debian's OpenBLAS 0.3.21 does not recognise some recent CPUs (e.g. Intel
// family 6 model 207) and silently picks its generic "Prescott" kernels, 5-8x slower. So, unless
// the caller set OPENBLAS_CORETYPE, the loader sets it for the load only (SkylakeX where the CPU
// has AVX-512 F/DQ/BW/VL, Haswell where it has AVX2+FMA) and restores the environment afterwards;
// it also loads with OPENBLAS_NUM_THREADS=1 (tapegrad runs its own threads over row blocks, see
// gemm.cpp) and calls openblas_set_num_threads(1). openblas_get_corename() says which kernels
// run; `auto` refuses a library whose kernels are not an AVX2/AVX-512 family. The load happens
// once, at the first float/double matmul (or set_gemm_backend); setenv is not safe against a
// getenv running at that moment in another thread, so a program that reads the environment from
// other threads should call tg::set_gemm_backend once at start-up, before starting them.
//
// Results: each backend is deterministic and independent of the thread count (the row blocks
// depend only on the shape; tapegrad's bits do not depend on row blocks at all); the backends
// differ in the last bits (other summation orders).
#pragma once

#include <string>

#include "simd.h"

namespace tg::kernels::cpu {

enum class GemmBackend : int { Eigen = 0, OpenBlas = 1, Packed = 2 };

// The backend in use (resolving TG_GEMM on first call).
GemmBackend gemm_backend_kind();

// Runs g with the BLAS backend if it is the one in use and g fits BLAS's 32-bit sizes; returns
// false (nothing written) otherwise, and the caller runs Eigen.
bool blas_gemm_f32(const simd::GemmArgs& g);
bool blas_gemm_f64(const simd::GemmArgs& g);

}  // namespace tg::kernels::cpu
