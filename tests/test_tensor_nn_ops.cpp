// tests/test_tensor_nn_ops.cpp — softmax, log_softmax, one_hot and dropout (seeded, scaling, eval).
#include <cmath>
#include <limits>

#include "tensor_test_util.h"

using tgt::check_tensor;
using tgt::check_values;
using tgt::make;

TEST_CASE("nn_ops: softmax and log_softmax rows sum to 1 along every dim and layout") {
  const std::vector<double> v{1, 2, 3, -1, 0, 1000, 0.5, 0.5, 0.5, 2, -3, 4};
  for (tg::DType dt : {tg::kFloat32, tg::kFloat64}) {
    for (auto& [name, x] : tgt::layouts(make(v, {2, 2, 3}, dt))) {
      for (int64_t d : {0, 1, 2, -1}) {
        CAPTURE(dt);
        CAPTURE(name);
        CAPTURE(d);
        tg::Tensor s = tg::softmax(x, d);
        CHECK(s.sizes() == x.sizes());
        CHECK(s.dtype() == dt);
        check_values(tg::sum(s, {d}), std::vector<double>(static_cast<size_t>(12 / x.size(d)), 1.0), 1e-5);
        check_values(tg::exp(tg::log_softmax(x, d)), s.to_vector<double>(), 1e-5);
        check_values(x.log_softmax(d), (x - tg::logsumexp(x, {d}, true)).to_vector<double>(), 1e-5);
      }
    }
  }
  check_values(tg::softmax(make({1, 2, 3}, {3}), 0),
               {std::exp(1.0) / (std::exp(1.0) + std::exp(2.0) + std::exp(3.0)),
                std::exp(2.0) / (std::exp(1.0) + std::exp(2.0) + std::exp(3.0)),
                std::exp(3.0) / (std::exp(1.0) + std::exp(2.0) + std::exp(3.0))});
  check_values(tg::softmax(make({0, 1000}, {2}), 0), {0, 1});
  check_values(tg::log_softmax(make({0, 1000}, {2}, tg::kFloat64), 0), {-1000, 0});
  const double inf = std::numeric_limits<double>::infinity();
  check_values(tg::softmax(make({-inf, 0, -inf}, {3}), 0), {0, 1, 0});
  check_tensor(tg::softmax(make({1, 1}, {2}, tg::kInt64), 0), {2}, tg::kFloat32, {0.5, 0.5});
  check_tensor(tg::softmax(tg::scalar_tensor(3), 0), {}, tg::kFloat32, {1});
  check_tensor(tg::softmax(make({2, 2, 2, 2}, {2, 2}).expand({3, 2, 2}), 1), {3, 2, 2}, tg::kFloat32,
               std::vector<double>(12, 0.5));
  CHECK(tg::softmax(tg::zeros({0, 3}), 1).sizes() == tg::DimVec{0, 3});
  CHECK_THROWS_WITH_AS(tg::softmax(tg::zeros({2}), 1), doctest::Contains("softmax: dim 1 is out of range"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::log_softmax(tg::zeros({2}), -2),
                       doctest::Contains("log_softmax: dim -2 is out of range"), tg::Error);
}

TEST_CASE("nn_ops: one_hot") {
  tg::Tensor i = make({2, 0, 1, 2}, {2, 2}, tg::kInt64);
  check_tensor(tg::one_hot(i), {2, 2, 3}, tg::kInt64, {0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1});
  check_tensor(tg::one_hot(i.t(), 4), {2, 2, 4}, tg::kInt64, {0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0});
  check_tensor(tg::one_hot(tg::scalar_tensor(1, tg::kInt64), 2), {2}, tg::kInt64, {0, 1});
  CHECK(tg::one_hot(make({}, {0}, tg::kInt64), 3).sizes() == tg::DimVec{0, 3});
  CHECK_THROWS_WITH_AS(tg::one_hot(i, 2), "one_hot: index 2 is out of bounds for dimension 0 with size 2",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::one_hot(make({-1}, {1}, tg::kInt64), 2),
                       doctest::Contains("one_hot: index -1 is out of bounds"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::one_hot(make({1}, {1})), "one_hot: index tensor must be int64, got float32",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::one_hot(make({}, {0}, tg::kInt64)),
                       doctest::Contains("one_hot: cannot infer the number of classes"), tg::Error);
}

TEST_CASE("nn_ops: dropout with a seeded generator") {
  tg::Tensor x = tg::full({1000}, 2.0);
  tg::Generator g1(11), g2(11);
  tg::Tensor a = tg::dropout(x, 0.25, true, &g1), b = tg::dropout(x, 0.25, true, &g2);
  CHECK(tg::equal(a, b));  // same seed -> same mask
  // Survivors are scaled by 1 / (1 - p); the rest are exactly zero.
  tg::Tensor kept = tg::ne(a, 0);
  check_values(tg::masked_fill(a, tg::logical_not(kept), 2.0 / 0.75), std::vector<double>(1000, 2.0 / 0.75));
  double frac = kept.to(tg::kFloat64).mean().item<double>();
  CHECK(frac == doctest::Approx(0.75).epsilon(0.08));
  CHECK_FALSE(tg::equal(tg::dropout(x, 0.25, true, &g1), a));  // the generator advanced
  // Expected value is preserved on average.
  tg::Generator g3(5);
  double m = tg::dropout(tg::ones({100000}, tg::kFloat64), 0.5, true, &g3).mean().item<double>();
  CHECK(m == doctest::Approx(1.0).epsilon(0.02));
  // Works on non-contiguous input.
  tg::Generator g4(11), g5(11);
  tg::Tensor m2 = make({1, 2, 3, 4, 5, 6}, {2, 3});
  check_values(tg::dropout(m2.t(), 0.5, true, &g4), tg::dropout(m2.t().contiguous(), 0.5, true, &g5).to_vector<double>());
  // Eval mode and p = 0 are the identity; p = 1 zeroes everything.
  CHECK(tg::equal(tg::dropout(x, 0.5, false, &g1), x));
  CHECK(tg::equal(tg::dropout(x, 0.0, true, &g1), x));
  CHECK(tg::equal(tg::dropout(x, 1.0, true, &g1), tg::zeros({1000})));
  CHECK_THROWS_WITH_AS(tg::dropout(x, 1.5), doctest::Contains("dropout: probability must be in [0, 1], got 1.5"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::dropout(x.to(tg::kInt64), 0.5), doctest::Contains("dropout: expected a floating dtype"),
                       tg::Error);
}
