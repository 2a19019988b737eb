// tests/test_tensor_elementwise.cpp — unary/binary elementwise ops: values, broadcasting, layouts,
// dtype promotion, scalar overloads, C++ operators, where, comparisons and logical ops.
#include <cmath>
#include <limits>

#include "tensor_test_util.h"

using tgt::check_tensor;
using tgt::check_values;
using tgt::make;

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// Applies f to each value (reference for unary ops).
template <class F>
std::vector<double> apply(const std::vector<double>& v, F f) {
  std::vector<double> out;
  for (double x : v) out.push_back(f(x));
  return out;
}
}  // namespace

TEST_CASE("elementwise: unary float ops against std:: over every layout and float dtype") {
  const std::vector<double> v{-2.5, -1, -0.25, 0, 0.5, 1, 2, 3.5};
  const std::vector<double> pos{0.25, 0.5, 1, 2, 4, 9, 16, 100};
  for (tg::DType dt : {tg::kFloat32, tg::kFloat64}) {
    for (auto& [name, x] : tgt::layouts(make(v, {2, 4}, dt))) {
      CAPTURE(dt);
      CAPTURE(name);
      check_tensor(tg::neg(x), {2, 4}, dt, apply(v, [](double a) { return -a; }));
      check_values(tg::exp(x), apply(v, [](double a) { return std::exp(a); }), 1e-6);
      check_values(tg::abs(x), apply(v, [](double a) { return std::fabs(a); }));
      check_values(tg::sign(x), apply(v, [](double a) { return double((a > 0) - (a < 0)); }));
      check_values(tg::tanh(x), apply(v, [](double a) { return std::tanh(a); }));
      check_values(tg::sigmoid(x), apply(v, [](double a) { return 1 / (1 + std::exp(-a)); }));
      check_values(tg::relu(x), apply(v, [](double a) { return a > 0 ? a : 0; }));
      check_values(tg::gelu(x), apply(v, [](double a) { return a * 0.5 * (1 + std::erf(a / std::sqrt(2.0))); }));
      check_values(tg::softplus(x), apply(v, [](double a) { return std::log1p(std::exp(a)); }));
      check_values(tg::softplus(x, 2.0, 3.0), apply(v, [](double a) {
                     return 2 * a > 3 ? a : std::log1p(std::exp(2 * a)) / 2;
                   }));
      check_values(tg::clamp(x, -1, 2), apply(v, [](double a) { return std::clamp(a, -1.0, 2.0); }));
      check_values(tg::clamp(x, std::nullopt, 0.5), apply(v, [](double a) { return std::min(a, 0.5); }));
      check_values(tg::clamp(x, 0, std::nullopt), apply(v, [](double a) { return std::max(a, 0.0); }));
      check_tensor(tg::logical_not(x), {2, 4}, tg::kBool, apply(v, [](double a) { return double(a == 0); }));
    }
    tg::Tensor p = make(pos, {8}, dt).slice(0, 0, 8, 1);
    check_values(tg::log(p), apply(pos, [](double a) { return std::log(a); }));
    check_values(tg::sqrt(p), apply(pos, [](double a) { return std::sqrt(a); }));
    check_values(tg::rsqrt(p), apply(pos, [](double a) { return 1 / std::sqrt(a); }));
  }
  // Methods forward to the free functions.
  tg::Tensor x = make(v, {8});
  CHECK(tg::equal(x.abs().neg().exp(), tg::exp(tg::neg(tg::abs(x)))));
  CHECK(tg::equal(x.relu().sigmoid().tanh(), tg::tanh(tg::sigmoid(tg::relu(x)))));
}

TEST_CASE("elementwise: special values") {
  tg::Tensor x = make({kNaN, kInf, -kInf, -0.0, 0.0}, {5}, tg::kFloat64);
  check_values(tg::relu(x), {kNaN, kInf, 0, 0, 0});
  check_values(tg::sigmoid(x), {kNaN, 1, 0, 0.5, 0.5});
  check_values(tg::clamp(x, -1, 1), {kNaN, 1, -1, 0, 0});
  check_values(tg::sign(x), {kNaN, 1, -1, 0, 0});
  check_values(tg::exp(make({-1000, 1000}, {2})), {0, kInf});
  check_values(tg::sigmoid(make({-1000, 1000}, {2})), {0, 1});
  check_values(tg::log(make({0, -1}, {2})), {-kInf, kNaN});
  check_values(tg::softplus(make({100, -100}, {2}, tg::kFloat64)), {100, std::exp(-100.0)}, 1e-9);
}

TEST_CASE("elementwise: integer and bool inputs") {
  tg::Tensor i = make({-3, 0, 2}, {3}, tg::kInt64);
  check_tensor(tg::neg(i), {3}, tg::kInt64, {3, 0, -2});
  check_tensor(tg::abs(i), {3}, tg::kInt64, {3, 0, 2});
  check_tensor(tg::sign(i), {3}, tg::kInt64, {-1, 0, 1});
  check_tensor(tg::relu(i), {3}, tg::kInt64, {0, 0, 2});
  check_tensor(tg::clamp(i, -1, 1), {3}, tg::kInt64, {-1, 0, 1});
  check_tensor(tg::clamp(i, -1.5, 1), {3}, tg::kFloat32, {-1.5, 0, 1});
  // Float-only ops compute integers in float32.
  check_tensor(tg::exp(i), {3}, tg::kFloat32, {std::exp(-3.0), 1, std::exp(2.0)});
  check_tensor(tg::sqrt(make({4, 9}, {2}, tg::kInt64)), {2}, tg::kFloat32, {2, 3});
  check_tensor(tg::sigmoid(make({1, 0}, {2}, tg::kBool)), {2}, tg::kFloat32, {1 / (1 + std::exp(-1.0)), 0.5});
  tg::Tensor b = make({1, 0}, {2}, tg::kBool);
  check_tensor(tg::abs(b), {2}, tg::kBool, {1, 0});
  check_tensor(tg::logical_not(b), {2}, tg::kBool, {0, 1});
  CHECK_THROWS_WITH_AS(tg::neg(b), doctest::Contains("neg: not supported for bool"), tg::Error);
}

TEST_CASE("elementwise: binary ops over layouts and broadcasting") {
  const std::vector<double> av{1, -2, 3, 4, -5, 6}, bv{2, 4, -1};
  for (tg::DType dt : {tg::kFloat32, tg::kFloat64, tg::kInt64}) {
    for (auto& [an, a] : tgt::layouts(make(av, {2, 3}, dt))) {
      for (auto& [bn, b] : tgt::layouts(make(bv, {3}, dt))) {
        CAPTURE(dt);
        CAPTURE(an);
        CAPTURE(bn);
        check_tensor(tg::add(a, b), {2, 3}, dt, {3, 2, 2, 6, -1, 5});
        check_tensor(tg::add(a, b, 2), {2, 3}, dt, {5, 6, 1, 8, 3, 4});
        check_tensor(tg::sub(a, b), {2, 3}, dt, {-1, -6, 4, 2, -9, 7});
        check_tensor(tg::sub(b, a, 3), {2, 3}, dt, {-1, 10, -10, -10, 19, -19});
        check_tensor(tg::mul(a, b), {2, 3}, dt, {2, -8, -3, 8, -20, -6});
        check_tensor(tg::maximum(a, b), {2, 3}, dt, {2, 4, 3, 4, 4, 6});
        check_tensor(tg::minimum(a, b), {2, 3}, dt, {1, -2, -1, 2, -5, -1});
        check_tensor(tg::div(a, b), {2, 3}, dt == tg::kInt64 ? tg::kFloat32 : dt,
                     {0.5, -0.5, -3, 2, -1.25, -6});
        check_tensor(tg::pow(b, make({2, 3}, {2, 1}, dt)), {2, 3}, dt, {4, 16, 1, 8, 64, -1});
        check_tensor(tg::eq(a, b), {2, 3}, tg::kBool, {0, 0, 0, 0, 0, 0});
        check_tensor(tg::lt(a, b), {2, 3}, tg::kBool, {1, 1, 0, 0, 1, 0});
        check_tensor(tg::ge(a, b), {2, 3}, tg::kBool, {0, 0, 1, 1, 0, 1});
      }
    }
  }
  // Both operands broadcast: [3, 1] x [1, 4] -> [3, 4]; and an expanded (stride-0) operand.
  tg::Tensor c = make({1, 2, 3}, {3, 1}), r = make({10, 20, 30, 40}, {1, 4});
  check_tensor(c + r, {3, 4}, tg::kFloat32, {11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43});
  check_tensor(c.expand({3, 4}) * r.expand({3, 4}).t().t(), {3, 4}, tg::kFloat32,
               {10, 20, 30, 40, 20, 40, 60, 80, 30, 60, 90, 120});
  check_tensor(tg::add(tg::scalar_tensor(1), make({1, 2}, {2, 1})), {2, 1}, tg::kFloat32, {2, 3});
  CHECK(tg::add(tg::zeros({0, 3}), tg::ones({3})).sizes() == tg::DimVec{0, 3});
  CHECK(tg::add(tg::zeros({2, 1, 3}), tg::zeros({4, 1})).sizes() == tg::DimVec{2, 4, 3});
}

TEST_CASE("elementwise: comparisons, ne/le/gt, and NaN") {
  tg::Tensor a = make({1, kNaN, 3}, {3}, tg::kFloat64), b = make({1, kNaN, 2}, {3}, tg::kFloat64);
  check_values(tg::eq(a, b), {1, 0, 0});
  check_values(tg::ne(a, b), {0, 1, 1});
  check_values(tg::le(a, b), {1, 0, 0});
  check_values(tg::gt(a, b), {0, 0, 1});
  check_values(tg::maximum(a, make({5, 0, 1}, {3}, tg::kFloat64)), {5, kNaN, 3});
  check_values(tg::minimum(make({5, 0, 1}, {3}, tg::kFloat64), a), {1, kNaN, 1});
  CHECK_FALSE(tg::equal(a, a));  // NaNs compare unequal
  CHECK(tg::equal(make({1, 2}, {2}), make({1, 2}, {2})));
  CHECK_FALSE(tg::equal(make({1, 2}, {2}), make({1, 2}, {2}, tg::kFloat64)));
  CHECK_FALSE(tg::equal(make({1, 2}, {2}), make({1, 2}, {1, 2})));
  CHECK(tg::allclose(make({1, 2}, {2}), make({1.000001, 2}, {2})));
  CHECK_FALSE(tg::allclose(make({1, 2}, {2}), make({1.1, 2}, {2})));
  CHECK(tg::allclose(make({kInf}, {1}), make({kInf}, {1})));
  CHECK_FALSE(tg::allclose(make({kNaN}, {1}), make({kNaN}, {1})));
}

TEST_CASE("elementwise: logical ops and bool arithmetic") {
  tg::Tensor a = make({1, 1, 0, 0}, {4}, tg::kBool), b = make({1, 0, 1, 0}, {4}, tg::kBool);
  check_tensor(tg::logical_and(a, b), {4}, tg::kBool, {1, 0, 0, 0});
  check_tensor(a | b, {4}, tg::kBool, {1, 1, 1, 0});
  check_tensor(a ^ b, {4}, tg::kBool, {0, 1, 1, 0});
  check_tensor(~a, {4}, tg::kBool, {0, 0, 1, 1});
  check_tensor(a & make({2, 0, 0, -1}, {4}), {4}, tg::kBool, {1, 0, 0, 0});
  check_tensor(a + b, {4}, tg::kBool, {1, 1, 1, 0});
  check_tensor(a * b, {4}, tg::kBool, {1, 0, 0, 0});
  CHECK_THROWS_WITH_AS(a - b, doctest::Contains("sub: not supported for bool"), tg::Error);
}

TEST_CASE("elementwise: dtype promotion between tensors") {
  tg::Tensor b = make({1}, {1}, tg::kBool), i = make({2}, {1}, tg::kInt64);
  tg::Tensor f = make({0.5}, {1}, tg::kFloat32), d = make({0.25}, {1}, tg::kFloat64);
  check_tensor(b + i, {1}, tg::kInt64, {3});
  check_tensor(i + f, {1}, tg::kFloat32, {2.5});
  check_tensor(f + d, {1}, tg::kFloat64, {0.75});
  check_tensor(i * d, {1}, tg::kFloat64, {0.5});
  check_tensor(b * f, {1}, tg::kFloat32, {0.5});
  check_tensor(i / i, {1}, tg::kFloat32, {1});
  check_tensor(tg::eq(i, d), {1}, tg::kBool, {0});
  check_tensor(tg::pow(i, f), {1}, tg::kFloat32, {std::sqrt(2.0)});
}

TEST_CASE("elementwise: scalar overloads keep the tensor dtype unless the scalar is float") {
  tg::Tensor i = make({1, 2, 3}, {3}, tg::kInt64);
  check_tensor(i + 1, {3}, tg::kInt64, {2, 3, 4});
  check_tensor(i * 2, {3}, tg::kInt64, {2, 4, 6});
  check_tensor(i - 1, {3}, tg::kInt64, {0, 1, 2});
  check_tensor(i + 0.5, {3}, tg::kFloat32, {1.5, 2.5, 3.5});
  check_tensor(i / 2, {3}, tg::kFloat32, {0.5, 1, 1.5});
  check_tensor(10 - i, {3}, tg::kInt64, {9, 8, 7});
  check_tensor(6 / i, {3}, tg::kFloat32, {6, 3, 2});
  check_tensor(2 * i, {3}, tg::kInt64, {2, 4, 6});
  check_tensor(1.5 + i, {3}, tg::kFloat32, {2.5, 3.5, 4.5});
  tg::Tensor f = make({1, 2, 4}, {3}, tg::kFloat32);
  check_tensor(f + 1, {3}, tg::kFloat32, {2, 3, 5});
  check_tensor(f * 0.1, {3}, tg::kFloat32, {0.1, 0.2, 0.4});
  check_tensor(-f, {3}, tg::kFloat32, {-1, -2, -4});
  check_tensor(tg::pow(f, 2), {3}, tg::kFloat32, {1, 4, 16});
  check_tensor(tg::pow(f, 0.5), {3}, tg::kFloat32, {1, std::sqrt(2.0), 2});
  check_tensor(f.pow(-1), {3}, tg::kFloat32, {1, 0.5, 0.25});
  check_tensor(tg::pow(2, f), {3}, tg::kFloat32, {2, 4, 16});
  check_tensor(tg::pow(i, 2), {3}, tg::kInt64, {1, 4, 9});
  check_tensor(make({1, 2, 4}, {3}, tg::kFloat64) + 1.5, {3}, tg::kFloat64, {2.5, 3.5, 5.5});
  tg::Tensor bl = make({1, 0}, {2}, tg::kBool);
  check_tensor(bl + 1, {2}, tg::kInt64, {2, 1});
  check_tensor(bl * 2.5, {2}, tg::kFloat32, {2.5, 0});
  check_tensor(f > 1, {3}, tg::kBool, {0, 1, 1});
  check_tensor(f <= 2, {3}, tg::kBool, {1, 1, 0});
  check_tensor(f == 4, {3}, tg::kBool, {0, 0, 1});
  check_tensor(f != 4, {3}, tg::kBool, {1, 1, 0});
  check_tensor(f >= 2, {3}, tg::kBool, {0, 1, 1});
  check_tensor(f < 2, {3}, tg::kBool, {1, 0, 0});
  check_tensor(i > 1.5, {3}, tg::kBool, {0, 1, 1});  // not truncated to i > 1
  check_tensor(i == 2.0, {3}, tg::kBool, {0, 1, 0});
  // Tensor operators mirror the free functions.
  check_tensor(f - f / f * f + f, {3}, tg::kFloat32, {1, 2, 4});
  check_tensor(f == f, {3}, tg::kBool, {1, 1, 1});
  check_tensor(f != f, {3}, tg::kBool, {0, 0, 0});
  check_tensor(f < f + 1, {3}, tg::kBool, {1, 1, 1});
  check_tensor(f >= f, {3}, tg::kBool, {1, 1, 1});
  check_tensor(f > f, {3}, tg::kBool, {0, 0, 0});
  check_tensor(f <= f, {3}, tg::kBool, {1, 1, 1});
  check_tensor(f.add(f, 2).sub(f).mul(f).div(f), {3}, tg::kFloat32, {2, 4, 8});
  check_tensor(f.maximum(f * -1).minimum(f * 3), {3}, tg::kFloat32, {1, 2, 4});
}

TEST_CASE("elementwise: integer pow") {
  tg::Tensor base = make({2, -3, 0, 1, -1, 5}, {6}, tg::kInt64);
  check_values(tg::pow(base, make({10, 3, 0, 7, 5, 1}, {6}, tg::kInt64)), {1024, -27, 1, 1, -1, 5});
  check_values(tg::pow(make({1, -1, -1, 2}, {4}, tg::kInt64), make({-2, -2, -3, -1}, {4}, tg::kInt64)),
               {1, 1, -1, 0});
}

TEST_CASE("elementwise: where") {
  tg::Tensor cond = make({1, 0, 1}, {3}, tg::kBool);
  tg::Tensor a = make({1, 2, 3, 4, 5, 6}, {2, 3}), b = make({-1, -2}, {2, 1});
  check_tensor(tg::where(cond, a, b), {2, 3}, tg::kFloat32, {1, -1, 3, 4, -2, 6});
  check_tensor(tg::where(cond, a.t().contiguous().t(), 0.5), {2, 3}, tg::kFloat32, {1, 0.5, 3, 4, 0.5, 6});
  check_tensor(tg::where(cond, 7, make({1, 2, 3}, {3}, tg::kInt64)), {3}, tg::kInt64, {7, 2, 7});
  check_tensor(tg::where(cond, make({1, 2, 3}, {3}, tg::kInt64), make({0.5}, {1}, tg::kFloat64)),
               {3}, tg::kFloat64, {1, 0.5, 3});
  check_tensor(tg::where(cond.unsqueeze(1), make({1, 2}, {2}), make({9}, {1})), {3, 2},
               tg::kFloat32, {1, 2, 9, 9, 1, 2});
  CHECK_THROWS_WITH_AS(tg::where(make({1}, {1}), a, b),
                       doctest::Contains("where: condition must be a bool tensor"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::where(cond, a, make({1, 2, 3}, {3, 1})),
                       doctest::Contains("where: shapes"), tg::Error);
}

TEST_CASE("elementwise: a 0-dim operand decides the dtype only when of a higher category") {
  CHECK((tg::ones({3}) + tg::scalar_tensor(1.5, tg::kFloat64)).dtype() == tg::kFloat32);
  CHECK((tg::scalar_tensor(1.5, tg::kFloat64) * tg::ones({3})).dtype() == tg::kFloat32);
  CHECK((tg::ones({3}, tg::kInt64) + tg::scalar_tensor(1.5, tg::kFloat64)).dtype() == tg::kFloat64);
  CHECK((tg::ones({3}, tg::kBool) + tg::scalar_tensor(2, tg::kInt64)).dtype() == tg::kInt64);
  CHECK((tg::scalar_tensor(1, tg::kFloat32) + tg::scalar_tensor(1, tg::kFloat64)).dtype() == tg::kFloat64);
  CHECK(tg::where(tg::ones({2}, tg::kBool), tg::ones({2}), tg::scalar_tensor(0.0, tg::kFloat64)).dtype() ==
        tg::kFloat32);
}
