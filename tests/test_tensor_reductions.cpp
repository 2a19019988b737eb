// tests/test_tensor_reductions.cpp — sum/mean/prod/var/std/amax/amin/max/min/argmax/argmin/norm/
// logsumexp over all dims, each dim, negative dims, keepdim, every layout and dtype.
#include <cmath>
#include <limits>
#include <vector>

#include "tensor_test_util.h"

using tgt::check_tensor;
using tgt::check_values;
using tgt::make;

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();
// x = [[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]], [[12, ...], ...]]  shape [2, 3, 4]
std::vector<double> iota(int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(i);
  return v;
}
}  // namespace

TEST_CASE("reductions: sum over each dim, pairs of dims, all dims, keepdim, every layout") {
  for (tg::DType dt : {tg::kFloat32, tg::kFloat64, tg::kInt64}) {
    for (auto& [name, x] : tgt::layouts(make(iota(24), {2, 3, 4}, dt))) {
      CAPTURE(dt);
      CAPTURE(name);
      check_tensor(tg::sum(x), {}, dt, {276});
      check_tensor(x.sum(), {}, dt, {276});
      check_tensor(tg::sum(x, {0}), {3, 4}, dt, {12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34});
      check_tensor(tg::sum(x, {1}), {2, 4}, dt, {12, 15, 18, 21, 48, 51, 54, 57});
      check_tensor(tg::sum(x, {2}), {2, 3}, dt, {6, 22, 38, 54, 70, 86});
      check_tensor(tg::sum(x, {-1}, true), {2, 3, 1}, dt, {6, 22, 38, 54, 70, 86});
      check_tensor(tg::sum(x, {0, 2}), {3}, dt, {60, 92, 124});
      check_tensor(tg::sum(x, {2, 0}, true), {1, 3, 1}, dt, {60, 92, 124});
      check_tensor(tg::sum(x, {0, 1}), {4}, dt, {60, 66, 72, 78});
      check_tensor(x.sum({0, 1, 2}, true), {1, 1, 1}, dt, {276});
      check_tensor(tg::amax(x, {1}), {2, 4}, dt, {8, 9, 10, 11, 20, 21, 22, 23});
      check_tensor(tg::amin(x, {0, 2}, true), {1, 3, 1}, dt, {0, 4, 8});
      check_tensor(tg::prod(x.narrow(2, 1, 2), {2}), {2, 3}, dt, {2, 30, 90, 182, 306, 462});
    }
  }
  // Transposed views reduce like their contiguous copies.
  tg::Tensor m = make(iota(6), {2, 3}).t();
  check_tensor(tg::sum(m, {0}), {2}, tg::kFloat32, {3, 12});
  check_tensor(tg::sum(m, {1}), {3}, tg::kFloat32, {3, 5, 7});
  // Broadcast (stride-0) input.
  check_tensor(tg::sum(make({1, 2}, {2}).expand({3, 2}), {0}), {2}, tg::kFloat32, {3, 6});
}

TEST_CASE("reductions: dtypes of sum/prod, empty inputs, 0-dim inputs") {
  tg::Tensor b = make({1, 0, 1, 1}, {4}, tg::kBool);
  check_tensor(tg::sum(b), {}, tg::kInt64, {3});
  check_tensor(tg::prod(b), {}, tg::kInt64, {0});
  check_tensor(tg::sum(b, {}, false, tg::kFloat64), {}, tg::kFloat64, {3});
  check_tensor(tg::sum(tg::zeros({0, 3}), {0}), {3}, tg::kFloat32, {0, 0, 0});
  check_tensor(tg::prod(tg::zeros({2, 0}), {1}), {2}, tg::kFloat32, {1, 1});
  check_tensor(tg::sum(tg::zeros({0})), {}, tg::kFloat32, {0});
  check_tensor(tg::sum(tg::scalar_tensor(4), {0}), {}, tg::kFloat32, {4});
  check_tensor(tg::sum(tg::scalar_tensor(4), {}, true), {}, tg::kFloat32, {4});
  check_values(tg::mean(tg::zeros({0})), {kNaN});
  // float32 sums accumulate in double: 1e8 + many ones is not lost.
  tg::Tensor big = tg::ones({100000});
  CHECK(tg::sum(big).item<double>() == 100000);
  tg::Tensor big2 = tg::ones({3, 50000}, tg::kFloat64);
  check_values(tg::sum(big2, {1}), {50000, 50000, 50000});
  check_values(tg::sum(tg::ones({50000, 3}).t(), {1}), {50000, 50000, 50000});
  check_values(tg::sum(tg::ones({4, 40000, 3}, tg::kInt64), {1}), std::vector<double>(12, 40000));
}

TEST_CASE("reductions: mean, var, std with correction and keepdim") {
  for (tg::DType dt : {tg::kFloat32, tg::kFloat64}) {
    for (auto& [name, x] : tgt::layouts(make({1, 2, 3, 4, 6, 8}, {2, 3}, dt))) {
      CAPTURE(name);
      check_tensor(tg::mean(x), {}, dt, {4});
      check_tensor(x.mean({1}), {2}, dt, {2, 6});
      check_tensor(x.mean({0}, true), {1, 3}, dt, {2.5, 4, 5.5});
      check_tensor(tg::var(x, {1}), {2}, dt, {1, 4});
      check_tensor(tg::var(x, {1}, 0), {2}, dt, {2.0 / 3, 8.0 / 3});
      check_tensor(tg::var(x, {-2}, 1, true), {1, 3}, dt, {4.5, 8, 12.5});
      check_tensor(tg::std(x, {1}), {2}, dt, {1, 2});
      check_values(tg::var(x), {(9 + 4 + 1 + 0 + 4 + 16) / 5.0});
      check_values(tg::std(x, {}, 0), {std::sqrt(34.0 / 6)});
    }
  }
  check_values(tg::var(make({3}, {1})), {kNaN});  // n - correction = 0 -> nan (0/0)
  CHECK_THROWS_WITH_AS(tg::mean(make({1, 2}, {2}, tg::kInt64)),
                       doctest::Contains("mean: expected a floating dtype"), tg::Error);
}

TEST_CASE("reductions: max/min with indices, argmax/argmin, ties and NaN") {
  tg::Tensor x0 = make({3, 7, 7, -1, 0, 5, 2, 9, 9}, {3, 3});
  for (tg::DType dt : {tg::kFloat32, tg::kFloat64, tg::kInt64}) {
    for (auto& [name, x] : tgt::layouts(x0.to(dt))) {
      CAPTURE(dt);
      CAPTURE(name);
      auto [v1, i1] = tg::max(x, 1);
      check_tensor(v1, {3}, dt, {7, 5, 9});
      check_tensor(i1, {3}, tg::kInt64, {1, 2, 1});  // ties: first occurrence
      auto [v0, i0] = tg::min(x, 0, true);
      check_tensor(v0, {1, 3}, dt, {-1, 0, 5});
      check_tensor(i0, {1, 3}, tg::kInt64, {1, 1, 1});
      auto [vn, in] = x.max(-2);
      check_values(vn, {3, 9, 9});
      check_values(in, {0, 2, 2});
      check_tensor(tg::argmax(x), {}, tg::kInt64, {7});
      check_tensor(tg::argmin(x), {}, tg::kInt64, {3});
      check_tensor(x.argmax(1, true), {3, 1}, tg::kInt64, {1, 2, 1});
      check_tensor(x.argmin(0), {3}, tg::kInt64, {1, 1, 1});
      check_tensor(tg::max(x), {}, dt, {9});
      check_tensor(x.min(), {}, dt, {-1});
      auto [mv, mi] = x.min(1);
      check_values(mv, {3, -1, 2});
      check_values(mi, {0, 0, 0});
    }
  }
  tg::Tensor n = make({1, kNaN, 3, kNaN}, {2, 2}, tg::kFloat64);
  check_values(tg::amax(n, {1}), {kNaN, kNaN});
  check_values(tg::amin(n, {0}), {1, kNaN});
  check_values(tg::max(n), {kNaN});
  auto [v, i] = tg::max(make({1, kNaN, 5, kNaN}, {4}), 0);
  check_values(v, {kNaN});
  check_values(i, {1});
  check_values(tg::argmin(make({2, kNaN, -5}, {3})), {1});
  check_values(tg::amax(make({-kInf, -kInf}, {2})), {-kInf});
  // 0-dim input, bool input.
  auto [sv, si] = tg::max(tg::scalar_tensor(3), 0);
  CHECK(sv.dim() == 0);
  CHECK(si.item<int64_t>() == 0);
  CHECK(tg::argmax(tg::scalar_tensor(3)).item<int64_t>() == 0);
  check_tensor(tg::amax(make({0, 1, 0}, {3}, tg::kBool)), {}, tg::kBool, {1});
  CHECK_THROWS_WITH_AS(tg::amax(tg::zeros({0})), doctest::Contains("amax: cannot reduce an empty"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::max(tg::zeros({2, 0}), 1), doctest::Contains("max: cannot reduce over dimension 1 of size 0"), tg::Error);
}

// Column max/min of float ([A, R, B] with B > 1) run the ISA-dispatched select loop: checked
// element for element against a plain loop, across widths around the vector widths, with NaN
// (which sticks) and -inf, at 1 and 2 threads.
TEST_CASE("reductions: float amax/amin over columns match a plain loop, NaN sticks") {
  tg::Generator gen(5);
  const int before = tg::get_num_threads();
  for (int threads : {1, 2}) {
    tg::set_num_threads(threads);
    for (int64_t a : {1, 3})
      for (int64_t r : {1, 7, 600})
        for (int64_t b : {2, 15, 16, 17, 300, 1030}) {
          CAPTURE(threads);
          CAPTURE(a);
          CAPTURE(r);
          CAPTURE(b);
          std::vector<float> v = tg::randn({a * r * b}, &gen).to_vector<float>();
          v[static_cast<size_t>((a * r * b) / 3)] = std::numeric_limits<float>::quiet_NaN();
          v[static_cast<size_t>((a * r * b) / 2)] = -std::numeric_limits<float>::infinity();
          tg::Tensor x = tg::from_vector(v, tg::DimVec{a, r, b});
          const std::vector<float> mx = tg::amax(x, {1}).to_vector<float>();
          const std::vector<float> mn = tg::amin(x, {1}).to_vector<float>();
          bool same = true;
          for (int64_t i = 0; i < a; ++i)
            for (int64_t j = 0; j < b; ++j) {
              float hi = -std::numeric_limits<float>::infinity(), lo = -hi;
              bool nan = false;
              for (int64_t k = 0; k < r; ++k) {
                const float e = v[static_cast<size_t>((i * r + k) * b + j)];
                nan |= e != e;
                hi = e > hi ? e : hi;
                lo = e < lo ? e : lo;
              }
              const float gh = mx[static_cast<size_t>(i * b + j)], gl = mn[static_cast<size_t>(i * b + j)];
              if (nan) same &= gh != gh && gl != gl;
              else same &= gh == hi && gl == lo;
            }
          CHECK(same);
        }
  }
  tg::set_num_threads(before);
}

TEST_CASE("reductions: norm and logsumexp") {
  tg::Tensor x = make({3, -4, 0, 1, 2, -2}, {2, 3}, tg::kFloat64);
  check_values(tg::norm(x), {std::sqrt(34.0)});
  check_tensor(tg::norm(x, 2, {1}), {2}, tg::kFloat64, {5, 3});
  check_tensor(tg::norm(x, 1, {1}, true), {2, 1}, tg::kFloat64, {7, 5});
  check_values(tg::norm(x, 3, {1}), {std::cbrt(91.0), std::cbrt(17.0)});
  check_values(tg::norm(x, kInf, {0}), {3, 4, 2});
  check_values(tg::norm(x.t(), 2, {0}), {5, 3});
  tg::Tensor l = make({1, 2, 3, 1000, 1000, -kInf}, {2, 3});
  check_tensor(tg::logsumexp(l, {1}), {2}, tg::kFloat32,
               {std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)), 1000 + std::log(2.0)});
  check_tensor(tg::logsumexp(l, {-1}, true), {2, 1}, tg::kFloat32,
               {std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)), 1000 + std::log(2.0)});
  check_values(tg::logsumexp(make({-kInf, -kInf}, {2}), {0}), {-kInf});
  check_values(tg::logsumexp(make({kInf, 1}, {2}), {0}), {kInf});
  check_values(tg::logsumexp(make({0, 0, 0, 0}, {2, 2}).t(), {0, 1}), {std::log(4.0)});
  CHECK_THROWS_WITH_AS(tg::norm(make({1}, {1}, tg::kInt64)), doctest::Contains("norm:"), tg::Error);
}

TEST_CASE("reductions: bad dims") {
  tg::Tensor x = tg::zeros({2, 3});
  CHECK_THROWS_WITH_AS(tg::sum(x, {2}), doctest::Contains("sum: dim 2 is out of range"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::sum(x, {-3}), doctest::Contains("sum: dim -3 is out of range"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::sum(x, {1, -1}), doctest::Contains("sum: dim 1 appears more than once"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::mean(x, {5}), doctest::Contains("mean: dim 5"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::argmax(x, 2), doctest::Contains("argmax: dim 2"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::amin(x, {7}), doctest::Contains("amin: dim 7"), tg::Error);
}
