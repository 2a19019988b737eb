// tests/tensor_test_util.h — helpers shared by the tensor tests: value checks and input layouts.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <tapegrad/tapegrad.h>

namespace tgt {

// CHECKs that t holds `want` (row-major) within a relative/absolute tolerance; NaN matches NaN.
inline void check_values(const tg::Tensor& t, const std::vector<double>& want, double tol = 1e-6) {
  std::vector<double> got = t.to_vector<double>();
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i])) {
      CHECK_MESSAGE(std::isnan(got[i]), "element ", i, ": got ", got[i], ", want nan");
    } else if (std::isinf(want[i])) {
      CHECK_MESSAGE(got[i] == want[i], "element ", i, ": got ", got[i], ", want ", want[i]);
    } else {
      CHECK_MESSAGE(got[i] == doctest::Approx(want[i]).epsilon(tol), "element ", i);
    }
  }
}

// CHECKs shape, dtype and values.
inline void check_tensor(const tg::Tensor& t, const tg::DimVec& shape, tg::DType dtype,
                         const std::vector<double>& want, double tol = 1e-6) {
  CHECK(t.sizes() == shape);
  CHECK(t.dtype() == dtype);
  check_values(t, want, tol);
}

// A tensor of `shape` and `dtype` holding `values`.
inline tg::Tensor make(const std::vector<double>& values, const tg::DimVec& shape,
                       tg::DType dtype = tg::kFloat32) {
  return tg::from_vector(values, shape).to(dtype);
}

// The same logical tensor in several memory layouts: contiguous, transposed storage (all dims
// reversed) and strided (every other element of a larger buffer, at an offset).
inline std::vector<std::pair<std::string, tg::Tensor>> layouts(const tg::Tensor& x) {
  std::vector<std::pair<std::string, tg::Tensor>> out{{"contiguous", x}};
  if (x.dim() == 0) return out;
  tg::DimVec rev;
  for (int d = x.dim() - 1; d >= 0; --d) rev.push_back(d);
  tg::Tensor tr = x.permute(rev).contiguous().permute(rev);
  out.emplace_back("transposed", tr);
  tg::DimVec big = x.sizes();
  big[big.size() - 1] = 2 * big[big.size() - 1] + 1;
  tg::Tensor buf = tg::zeros(big, x.dtype());
  tg::Tensor strided = buf.slice(-1, 1, big[big.size() - 1], 2);
  strided.copy_(x);
  out.emplace_back("strided", strided);
  return out;
}

}  // namespace tgt
