// tests/test_tensor_linalg.cpp — matmul (1-D/2-D/batched with broadcasting), mm, bmm, addmm, outer,
// dot over contiguous, transposed, sliced and expanded operands and each supported dtype.
#include "tensor_test_util.h"

using tgt::check_tensor;
using tgt::check_values;
using tgt::make;

namespace {
// Reference product of row-major [n, k] and [k, m].
std::vector<double> ref_mm(const std::vector<double>& a, const std::vector<double>& b, int n,
                           int k, int m) {
  std::vector<double> c(static_cast<size_t>(n * m), 0.0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < m; ++j)
      for (int p = 0; p < k; ++p) c[i * m + j] += a[i * k + p] * b[p * m + j];
  return c;
}
std::vector<double> seq(int n, double scale = 1, double shift = 0) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(i * scale + shift);
  return v;
}
}  // namespace

TEST_CASE("linalg: mm and 2-D matmul over layouts and dtypes") {
  const auto av = seq(6, 1, -2), bv = seq(12, 0.5, -1);
  const auto want = ref_mm(av, bv, 2, 3, 4);
  for (tg::DType dt : {tg::kFloat32, tg::kFloat64, tg::kInt64}) {
    std::vector<double> bvals = dt == tg::kInt64 ? seq(12, 1, -3) : bv;
    std::vector<double> w = ref_mm(av, bvals, 2, 3, 4);
    for (auto& [an, a] : tgt::layouts(make(av, {2, 3}, dt))) {
      for (auto& [bn, b] : tgt::layouts(make(bvals, {3, 4}, dt))) {
        CAPTURE(dt);
        CAPTURE(an);
        CAPTURE(bn);
        check_tensor(tg::mm(a, b), {2, 4}, dt, w);
        check_tensor(tg::matmul(a, b), {2, 4}, dt, w);
        check_tensor(a.matmul(b), {2, 4}, dt, w);
      }
    }
  }
  (void)want;
  // Transposed operands: (B^T A^T)^T = A B.
  tg::Tensor a = make(av, {2, 3}), b = make(bv, {3, 4});
  check_values(tg::mm(b.t(), a.t()).t(), want);
  check_values(a.t().t().mm(b), want);
  // Column slices with a step have no unit stride.
  tg::Tensor wide = make(seq(24), {3, 8});
  tg::Tensor bs = wide.slice(1, 1, 8, 2);  // [3, 4], strides [8, 2]
  check_values(tg::mm(a, bs), ref_mm(av, bs.contiguous().to_vector<double>(), 2, 3, 4));
  // Expanded (stride-0) operand.
  tg::Tensor ones_row = make({1, 2, 3}, {1, 3}).expand({4, 3});
  check_values(tg::mm(ones_row, make({1, 1, 1}, {3, 1})), {6, 6, 6, 6});
  // Empty inner dimension gives zeros; empty outer gives an empty result.
  check_tensor(tg::mm(tg::ones({2, 0}), tg::ones({0, 3})), {2, 3}, tg::kFloat32, std::vector<double>(6, 0));
  CHECK(tg::mm(tg::ones({0, 2}), tg::ones({2, 3})).sizes() == tg::DimVec{0, 3});
}

TEST_CASE("linalg: matmul 1-D cases") {
  tg::Tensor v = make({1, 2, 3}, {3}), w = make({4, 5, 6}, {3});
  check_tensor(tg::matmul(v, w), {}, tg::kFloat32, {32});
  check_tensor(tg::dot(v, w), {}, tg::kFloat32, {32});
  tg::Tensor m = make(seq(6), {2, 3});
  check_tensor(tg::matmul(m, v), {2}, tg::kFloat32, {8, 26});
  check_tensor(tg::matmul(make({1, 2}, {2}), m), {3}, tg::kFloat32, {6, 9, 12});
  check_tensor(tg::matmul(m.t(), make({1, 1}, {2})), {3}, tg::kFloat32, {3, 5, 7});
  tg::Tensor bm = make(seq(12), {2, 2, 3});
  check_tensor(tg::matmul(bm, v), {2, 2}, tg::kFloat32, {8, 26, 44, 62});
  check_tensor(tg::matmul(make({1, -1}, {2}), bm), {2, 3}, tg::kFloat32, {-3, -3, -3, -3, -3, -3});
  // Strided 1-D operands.
  tg::Tensor s = make(seq(6, 1, 1), {6}).slice(0, 0, 6, 2);  // 1, 3, 5
  check_tensor(tg::dot(s, w), {}, tg::kFloat32, {4 + 15 + 30});
  check_tensor(tg::dot(make({1, 2}, {2}, tg::kInt64), make({3, 4}, {2}, tg::kInt64)), {},
               tg::kInt64, {11});
}

TEST_CASE("linalg: batched matmul with broadcasting of batch dims") {
  const auto av = seq(12, 1, -5), bv = seq(12, -0.5, 2);
  tg::Tensor a = make(av, {2, 2, 3});  // [B=2, 2, 3]
  tg::Tensor b = make(bv, {2, 3, 2});  // [B=2, 3, 2]
  std::vector<double> want;
  for (int i = 0; i < 2; ++i) {
    std::vector<double> ai(av.begin() + i * 6, av.begin() + i * 6 + 6);
    std::vector<double> bi(bv.begin() + i * 6, bv.begin() + i * 6 + 6);
    auto c = ref_mm(ai, bi, 2, 3, 2);
    want.insert(want.end(), c.begin(), c.end());
  }
  for (auto& [an, al] : tgt::layouts(a)) {
    for (auto& [bn, bl] : tgt::layouts(b)) {
      CAPTURE(an);
      CAPTURE(bn);
      check_tensor(tg::bmm(al, bl), {2, 2, 2}, tg::kFloat32, want);
      check_tensor(tg::matmul(al, bl), {2, 2, 2}, tg::kFloat32, want);
    }
  }
  // [2, 2, 3] x [3, 2] broadcasts the matrix over the batch.
  tg::Tensor b0 = b[0];
  std::vector<double> want2;
  for (int i = 0; i < 2; ++i) {
    auto c = ref_mm(std::vector<double>(av.begin() + i * 6, av.begin() + i * 6 + 6),
                    std::vector<double>(bv.begin(), bv.begin() + 6), 2, 3, 2);
    want2.insert(want2.end(), c.begin(), c.end());
  }
  check_tensor(tg::matmul(a, b0), {2, 2, 2}, tg::kFloat32, want2);
  // [4, 1, 2, 3] x [2, 3, 2] -> [4, 2, 2, 2]; every outer batch equals the plain bmm.
  tg::Tensor a4 = a.unsqueeze(0).expand({4, 2, 2, 3}).narrow(1, 0, 1);  // [4, 1, 2, 3]
  tg::Tensor r = tg::matmul(a4, b);
  CHECK(r.sizes() == tg::DimVec{4, 2, 2, 2});
  std::vector<double> row0 = ref_mm(std::vector<double>(av.begin(), av.begin() + 6),
                                    std::vector<double>(bv.begin(), bv.begin() + 6), 2, 3, 2);
  check_values(r[3][0], row0);
  std::vector<double> row1 = ref_mm(std::vector<double>(av.begin(), av.begin() + 6),
                                    std::vector<double>(bv.begin() + 6, bv.end()), 2, 3, 2);
  check_values(r[2][1], row1);
  check_tensor(tg::matmul(tg::ones({5, 1, 2, 3}, tg::kFloat64), tg::ones({4, 3, 1}, tg::kFloat64)),
               {5, 4, 2, 1}, tg::kFloat64, std::vector<double>(40, 3));
}

TEST_CASE("linalg: addmm, outer") {
  tg::Tensor a = make({1, 2, 3, 4}, {2, 2}), b = make({1, 0, 0, 1}, {2, 2});
  check_tensor(tg::addmm(make({10, 20}, {2}), a, b), {2, 2}, tg::kFloat32, {11, 22, 13, 24});
  check_tensor(tg::addmm(make({1, 1, 1, 1}, {2, 2}), a, b, 2, 3), {2, 2}, tg::kFloat32,
               {5, 8, 11, 14});
  check_tensor(tg::addmm(make({1}, {1, 1}), a.t(), b, 0, 1), {2, 2}, tg::kFloat32, {1, 3, 2, 4});
  check_tensor(tg::addmm(make({100, 200}, {2, 1}), a, a.t()), {2, 2}, tg::kFloat32,
               {105, 111, 211, 225});
  check_tensor(tg::addmm(tg::scalar_tensor(0.5), a, b), {2, 2}, tg::kFloat32, {1.5, 2.5, 3.5, 4.5});
  check_tensor(tg::outer(make({1, 2}, {2}), make({3, 4, 5}, {3})), {2, 3}, tg::kFloat32,
               {3, 4, 5, 6, 8, 10});
  check_tensor(tg::outer(make({1, 2}, {2}, tg::kInt64), make({3}, {1}, tg::kInt64)), {2, 1},
               tg::kInt64, {3, 6});
}

TEST_CASE("linalg: error messages") {
  tg::Tensor a = tg::zeros({2, 3}), b = tg::zeros({4, 5});
  CHECK_THROWS_WITH_AS(tg::matmul(a, b),
                       "matmul: cannot multiply [2, 3] by [4, 5] (inner dimensions 3 and 4 differ)",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::mm(a, b), "mm: cannot multiply [2, 3] by [4, 5] (inner dimensions 3 and 4 differ)",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::matmul(tg::zeros({3}), tg::zeros({4})),
                       "matmul: cannot multiply [3] by [4] (inner dimensions 3 and 4 differ)", tg::Error);
  CHECK_THROWS_WITH_AS(tg::matmul(tg::zeros({2, 2, 3}), tg::zeros({2})),
                       "matmul: cannot multiply [2, 2, 3] by [2] (inner dimensions 3 and 2 differ)",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::matmul(tg::zeros({2, 2, 3}), tg::zeros({3, 3, 1})),
                       doctest::Contains("matmul: shapes [2] and [3] cannot be broadcast"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::matmul(tg::scalar_tensor(1), a),
                       doctest::Contains("matmul: both arguments need at least 1 dimension"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::matmul(a, tg::zeros({3, 2}, tg::kFloat64)),
                       doctest::Contains("matmul: expected both operands to have the same dtype"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::matmul(a.to(tg::kBool), a.t().to(tg::kBool)),
                       doctest::Contains("matmul: bool tensors are not supported"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::mm(tg::zeros({3}), a), doctest::Contains("mm: expected 2-D"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::bmm(a, a), doctest::Contains("bmm: expected 3-D"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::bmm(tg::zeros({2, 2, 3}), tg::zeros({3, 3, 2})),
                       doctest::Contains("bmm: batch sizes differ"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::bmm(tg::zeros({2, 2, 3}), tg::zeros({2, 2, 2})),
                       "bmm: cannot multiply [2, 2, 3] by [2, 2, 2] (inner dimensions 3 and 2 differ)",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::addmm(tg::zeros({3}), a, a.t()),
                       doctest::Contains("addmm: shapes [3] and [2, 2] cannot be broadcast"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::dot(tg::zeros({3}), tg::zeros({4})),
                       doctest::Contains("inner dimensions 3 and 4 differ"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::dot(a, a), doctest::Contains("dot: expected 1-D"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::outer(a, a), doctest::Contains("outer: expected 1-D"), tg::Error);
}
