// tests/cuda/cuda_test_util.h — helpers for the CUDA suite: the GPU device, CPU-vs-CUDA checks.
//
// Tolerances (stated once, used everywhere): float32 |gpu - cpu| <= 1e-5 + 1e-4 * |cpu| — the
// GPU's exp/log/erf differ from glibc's by an ulp or two and its reductions add in another order;
// float64 <= 1e-12 + 1e-10 * |cpu|. Integer and bool results must be equal.
#pragma once

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <tapegrad/tapegrad.h>

namespace tgc {

inline const tg::Device kGpu{tg::kCUDA, 0};
inline const tg::Device kCpu{tg::kCPU};

struct Tol {
  double rtol;
  double atol;
};
inline Tol tol_for(tg::DType t) {
  if (t == tg::kFloat32) return {1e-4, 1e-5};
  if (t == tg::kFloat64) return {1e-10, 1e-12};
  return {0.0, 0.0};
}

// CHECKs that `gpu` (on the GPU) matches `cpu` in shape, dtype and values within tol_for(dtype);
// NaN matches NaN, infinities must be equal. `what` names the comparison in failure messages.
inline void check_close(const tg::Tensor& gpu, const tg::Tensor& cpu, const std::string& what,
                        double scale = 1.0) {
  CAPTURE(what);
  REQUIRE(gpu.defined() == cpu.defined());
  if (!gpu.defined()) return;
  tg::Tensor g = gpu.is_sparse() ? gpu.to_dense() : gpu;
  tg::Tensor c = cpu.is_sparse() ? cpu.to_dense() : cpu;
  CHECK(g.device() == kGpu);
  REQUIRE(g.sizes() == c.sizes());
  CHECK(g.dtype() == c.dtype());
  const Tol tol = tol_for(c.dtype());
  std::vector<double> gv = g.to_vector<double>(), cv = c.to_vector<double>();
  int reported = 0;
  for (size_t i = 0; i < gv.size() && reported < 5; ++i) {
    bool ok;
    if (std::isnan(cv[i])) ok = std::isnan(gv[i]);
    else if (std::isinf(cv[i])) ok = gv[i] == cv[i];
    else ok = std::fabs(gv[i] - cv[i]) <= scale * (tol.atol + tol.rtol * std::fabs(cv[i]));
    if (!ok) {
      ++reported;
      FAIL_CHECK("element ", i, ": cuda ", gv[i], " vs cpu ", cv[i]);
    }
  }
}

// CHECKs bitwise equality of two tensors' values (after moving both to the CPU).
inline void check_equal(const tg::Tensor& a, const tg::Tensor& b, const std::string& what) {
  CAPTURE(what);
  REQUIRE(a.sizes() == b.sizes());
  REQUIRE(a.dtype() == b.dtype());
  tg::Tensor ac = a.cpu().contiguous(), bc = b.cpu().contiguous();
  CHECK(std::memcmp(ac.data_ptr(), bc.data_ptr(), ac.nbytes()) == 0);
}

}  // namespace tgc
