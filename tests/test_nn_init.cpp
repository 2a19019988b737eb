// tests/test_nn_init.cpp — nn::init: gains and fans (PyTorch's formulas), bounds and moments of
// each initialiser, determinism with a Generator, and that parameters stay leaves.
#include <cmath>

#include <doctest/doctest.h>
#include <tapegrad/tapegrad.h>

namespace {
namespace init = tg::nn::init;
using tg::Tensor;

double max_abs(const Tensor& t) { return tg::amax(tg::abs(t)).item<double>(); }
double stddev(const Tensor& t) { return tg::std(t.to(tg::kFloat64)).item<double>(); }
}  // namespace

TEST_CASE("nn init: calculate_gain and fans") {
  CHECK(init::calculate_gain("linear") == 1.0);
  CHECK(init::calculate_gain("sigmoid") == 1.0);
  CHECK(init::calculate_gain("tanh") == doctest::Approx(5.0 / 3));
  CHECK(init::calculate_gain("relu") == doctest::Approx(std::sqrt(2.0)));
  CHECK(init::calculate_gain("leaky_relu") == doctest::Approx(std::sqrt(2.0 / 1.0001)));
  CHECK(init::calculate_gain("leaky_relu", std::sqrt(5.0)) == doctest::Approx(std::sqrt(1.0 / 3)));
  CHECK(init::calculate_gain("selu") == 0.75);
  CHECK_THROWS_WITH_AS(init::calculate_gain("swish"), doctest::Contains("swish"), tg::Error);
  auto [fi, fo] = init::calculate_fan_in_and_fan_out(tg::zeros({8, 3}));
  CHECK(fi == 3);
  CHECK(fo == 8);
  auto [ci, co] = init::calculate_fan_in_and_fan_out(tg::zeros({8, 3, 5}));
  CHECK(ci == 15);
  CHECK(co == 40);
  CHECK_THROWS_AS(init::calculate_fan_in_and_fan_out(tg::zeros({4})), tg::Error);
}

TEST_CASE("nn init: bounds and spreads of each initialiser") {
  tg::Generator gen(42);
  Tensor w = tg::empty({200, 300});
  init::xavier_uniform_(w, 1.0, &gen);
  double bound = std::sqrt(6.0 / 500);
  CHECK(max_abs(w) <= bound);
  CHECK(max_abs(w) > 0.95 * bound);
  init::xavier_normal_(w, 2.0, &gen);
  CHECK(stddev(w) == doctest::Approx(2.0 * std::sqrt(2.0 / 500)).epsilon(0.02));
  init::kaiming_uniform_(w, 0.0, init::FanMode::FanIn, "relu", &gen);
  bound = std::sqrt(3.0) * std::sqrt(2.0) / std::sqrt(300.0);
  CHECK(max_abs(w) <= bound);
  CHECK(max_abs(w) > 0.95 * bound);
  init::kaiming_normal_(w, 0.0, init::FanMode::FanOut, "relu", &gen);
  CHECK(stddev(w) == doctest::Approx(std::sqrt(2.0 / 200)).epsilon(0.02));
  init::normal_(w, 3.0, 0.5, &gen);
  CHECK(tg::mean(w).item<double>() == doctest::Approx(3.0).epsilon(0.01));
  CHECK(stddev(w) == doctest::Approx(0.5).epsilon(0.02));
  init::uniform_(w, -2.0, 1.0, &gen);
  CHECK(tg::amin(w).item<double>() >= -2.0);
  CHECK(tg::amax(w).item<double>() < 1.0);
  init::trunc_normal_(w, 0.0, 1.0, -0.5, 1.5, &gen);
  CHECK(tg::amin(w).item<double>() >= -0.5);
  CHECK(tg::amax(w).item<double>() <= 1.5);
  CHECK(tg::amin(w).item<double>() < -0.49);
  init::constant_(w, 0.25);
  CHECK(tg::amin(w).item<double>() == 0.25);
  init::zeros_(w);
  CHECK(max_abs(w) == 0.0);
  init::ones_(w);
  CHECK(tg::amin(w).item<double>() == 1.0);
}

TEST_CASE("nn init: deterministic per generator, in place on parameters and views") {
  tg::Generator a(7), b(7);
  Tensor x = tg::empty({4, 5}, tg::kFloat64), y = tg::empty({4, 5}, tg::kFloat64);
  init::trunc_normal_(x, 0.0, 0.02, -0.04, 0.04, &a);
  init::trunc_normal_(y, 0.0, 0.02, -0.04, 0.04, &b);
  CHECK(tg::equal(x, y));
  CHECK(x.dtype() == tg::kFloat64);
  Tensor p = tg::zeros({3, 4}).requires_grad_();
  Tensor same = init::xavier_uniform_(p, 1.0, &a);
  CHECK(same.is_same(p));
  CHECK(p.is_leaf());
  CHECK(p.requires_grad());
  CHECK_FALSE(p.grad_fn());
  init::ones_(p[1]);  // a view: only that row changes
  CHECK(tg::sum(p[1]).item<double>() == 4.0);
  CHECK_THROWS_AS(init::normal_(tg::zeros({2}, tg::kInt64)), tg::Error);
}

TEST_CASE("nn init: uniform_ on float is lo + span * u with two roundings (no FMA on any ISA)") {
  // span = float(0.7) is not a power of two, so a fused multiply-add would round differently.
  for (int64_t n : {int64_t{7}, int64_t{1000}, int64_t{8195}}) {
    CAPTURE(n);
    tg::Generator a(123), b(123);
    Tensor u = tg::empty({n});
    Tensor w = tg::empty({n});
    init::uniform_(u, 0.0, 1.0, &a);
    init::uniform_(w, 0.1, 0.8, &b);
    const float lo = 0.1f, span = static_cast<float>(0.8 - 0.1);
    const std::vector<float> uv = u.to_vector<float>(), wv = w.to_vector<float>();
    int64_t same = 0;
    for (int64_t i = 0; i < n; ++i) {
      volatile float prod = span * uv[static_cast<size_t>(i)];  // rounded on its own
      same += wv[static_cast<size_t>(i)] == lo + prod;
    }
    CHECK(same == n);
  }
}
