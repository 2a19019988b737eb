// tests/test_nn_functional.cpp — the layer functions: linear, activations, dropout, batch_norm,
// layer_norm against hand-computed values, and float64 gradchecks of linear, batch_norm
// (training) and layer_norm.
#include <cmath>

#include <doctest/doctest.h>
#include <tapegrad/tapegrad.h>

#include "tensor_test_util.h"

namespace {

namespace F = tg::nn::F;
using In = std::vector<tg::Tensor>;
using tg::Tensor;
using tgt::check_values;
using tgt::make;

Tensor leaf(const tg::DimVec& shape, tg::Generator& gen) {
  return tg::randn(shape, &gen, tg::kFloat64).requires_grad_();
}

}  // namespace

TEST_CASE("nn functional: linear is x W^T + b for 1-D, 2-D and 3-D inputs") {
  Tensor w = make({1, 0, 0.5, -1, 2, 1}, {3, 2});
  Tensor b = make({0.1, 0.2, 0.3}, {3});
  Tensor x = make({1, 2, 3, 4}, {2, 2});
  check_values(F::linear(x, w, b), {1.1, -1.3, 4.3, 3.1, -2.3, 10.3});
  check_values(F::linear(x, w), {1, -1.5, 4, 3, -2.5, 10});
  check_values(F::linear(make({1, 2}, {2}), w, b), {1.1, -1.3, 4.3});
  Tensor x3 = make({1, 2, 3, 4}, {2, 1, 2});
  Tensor y3 = F::linear(x3, w, b);
  CHECK(y3.sizes() == tg::DimVec{2, 1, 3});
  check_values(y3, {1.1, -1.3, 4.3, 3.1, -2.3, 10.3});
  CHECK_THROWS_WITH_AS(F::linear(make({1, 2, 3}, {3}), w, b), doctest::Contains("linear"),
                       tg::Error);
}

TEST_CASE("nn functional: gradcheck of linear (2-D via addmm, 3-D via matmul, no bias)") {
  tg::Generator gen(1);
  Tensor w = leaf({3, 4}, gen), b = leaf({3}, gen);
  CHECK(tg::autograd::gradcheck([](const In& in) { return F::linear(in[0], in[1], in[2]); },
                                {leaf({5, 4}, gen), w, b}));
  CHECK(tg::autograd::gradcheck([](const In& in) { return F::linear(in[0], in[1], in[2]); },
                                {leaf({2, 5, 4}, gen), w, b}));
  CHECK(tg::autograd::gradcheck([](const In& in) { return F::linear(in[0], in[1]); },
                                {leaf({5, 4}, gen), w}));
}

TEST_CASE("nn functional: activations and gelu's tanh approximation") {
  Tensor x = make({-1, 0, 2}, {3}, tg::kFloat64);
  check_values(F::relu(x), {0, 0, 2});
  check_values(F::sigmoid(x), {0.2689414214, 0.5, 0.8807970780});
  check_values(F::tanh(x), {-0.7615941560, 0, 0.9640275801});
  check_values(F::gelu(x), {-0.1586552539, 0, 1.9544997361});
  check_values(F::gelu(x, "tanh"), {-0.1588080094, 0, 1.9545976940});
  CHECK_THROWS_WITH_AS(F::gelu(x, "fast"), doctest::Contains("gelu"), tg::Error);
  tg::Generator gen(3);
  CHECK(tg::autograd::gradcheck([](const In& in) { return F::gelu(in[0], "tanh"); },
                                {leaf({4}, gen)}));
}

TEST_CASE("nn functional: dropout only in training") {
  tg::Generator gen(5);
  Tensor x = tg::ones({1000});
  Tensor y = F::dropout(x, 0.25, true, &gen);
  std::vector<double> v = y.to_vector<double>();
  int zeros = 0;
  for (double e : v) {
    if (e == 0) ++zeros;
    else CHECK(e == doctest::Approx(1.0 / 0.75));
  }
  CHECK(zeros > 180);
  CHECK(zeros < 320);
  CHECK(F::dropout(x, 0.25, false).is_same(x));
}

TEST_CASE("nn functional: batch_norm training uses batch stats and updates running stats") {
  Tensor x = make({1, 2, 3, 6}, {2, 2});  // channel means 2, 4; biased vars 1, 4
  Tensor rm = tg::zeros({2}), rv = tg::ones({2});
  Tensor y = F::batch_norm(x, rm, rv, Tensor(), Tensor(), /*training=*/true, 0.1, 0.0);
  check_values(y, {-1, -1, 1, 1});
  check_values(rm, {0.2, 0.4});
  check_values(rv, {1.1, 1.7});  // unbiased vars 2, 8
  // Eval: the running statistics, no update.
  Tensor e = F::batch_norm(make({1, 2}, {1, 2}), rm, rv, make({2, 1}, {2}), make({0, 1}, {2}),
                           /*training=*/false, 0.1, 0.0);
  check_values(e, {2 * 0.7627700714, 1.2271439822 + 1});
  check_values(rm, {0.2, 0.4});
  // [N, C, L]: statistics over N and L.
  Tensor x3 = make({1, 3, 0, 0, 5, 7, 0, 0}, {2, 2, 2});
  Tensor y3 = F::batch_norm(x3, Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1, 1e-5);
  check_values(y3, {-1.3416407865, -0.4472135955, 0, 0, 0.4472135955, 1.3416407865, 0, 0}, 1e-5);
  CHECK_THROWS_WITH_AS(
      F::batch_norm(make({1, 2}, {1, 2}), Tensor(), Tensor(), Tensor(), Tensor(), true),
      doctest::Contains("more than 1 value per channel"), tg::Error);
}

TEST_CASE("nn functional: gradcheck of batch_norm training and layer_norm") {
  tg::Generator gen(11);
  Tensor w = leaf({3}, gen), b = leaf({3}, gen);
  CHECK(tg::autograd::gradcheck(
      [](const In& in) { return F::batch_norm(in[0], Tensor(), Tensor(), in[1], in[2], true); },
      {leaf({4, 3}, gen), w, b}));
  CHECK(tg::autograd::gradcheck(
      [](const In& in) {
        Tensor rm = tg::zeros({3}, tg::kFloat64), rv = tg::ones({3}, tg::kFloat64);
        return F::batch_norm(in[0], rm, rv, in[1], in[2], true, 0.1);
      },
      {leaf({2, 3, 3}, gen), w, b}));
  CHECK(tg::autograd::gradcheck(
      [](const In& in) {
        Tensor rm = tg::full({3}, 0.3, tg::kFloat64), rv = tg::full({3}, 2.0, tg::kFloat64);
        return F::batch_norm(in[0], rm, rv, in[1], in[2], false);
      },
      {leaf({4, 3}, gen), w, b}));
  Tensor lw = leaf({2, 3}, gen), lb = leaf({2, 3}, gen);
  CHECK(tg::autograd::gradcheck(
      [](const In& in) {
        return F::layer_norm(in[0], {2, 3}, in[1], in[2]);
      },
      {leaf({4, 2, 3}, gen), lw, lb}));
  CHECK(tg::autograd::gradcheck([](const In& in) { return F::layer_norm(in[0], {3}); },
                                {leaf({4, 3}, gen)}));
}

TEST_CASE("nn functional: layer_norm normalises the trailing dims") {
  Tensor x = make({1, 2, 3, 2, 2, 2}, {2, 3});
  // A constant row normalises to 0 (eps keeps 0 / 0 away).
  check_values(F::layer_norm(x, {3}), {-1.2247448714, 0, 1.2247448714, 0, 0, 0}, 1e-5);
  Tensor y = F::layer_norm(x, {3}, make({1, 2, 3}, {3}), make({0, 0, 1}, {3}));
  check_values(y, {-1.2247448714, 0, 4.6742346142, 0, 0, 1}, 1e-5);
  CHECK_THROWS_WITH_AS(F::layer_norm(x, {2}), doctest::Contains("layer_norm"), tg::Error);
}
