// tests/test_autograd_engine_graph.cpp — the engine and the graph's lifetime: in-place ops and
// version counters, saved tensors freed after backward (no memory growth over 10,000 steps),
// 10^6-node chains (no recursion in backward or destruction), and anomaly mode.
#include <cmath>
#include <vector>

#include <doctest/doctest.h>
#include <tapegrad/autograd/engine.h>
#include <tapegrad/autograd/grad_mode.h>
#include <tapegrad/autograd/node.h>
#include <tapegrad/tapegrad.h>

namespace {

using tg::Tensor;

Tensor leaf(const std::vector<double>& v, const tg::DimVec& shape, tg::DType dt = tg::kFloat64) {
  return tg::from_vector(v, shape).to(dt).requires_grad_();
}

Tensor constant(const std::vector<double>& v, const tg::DimVec& shape) {
  return tg::from_vector(v, shape).to(tg::kFloat64);
}

void check_close(const Tensor& t, const std::vector<double>& want, double tol = 1e-9) {
  REQUIRE(t.defined());
  std::vector<double> got = t.to_vector<double>();
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i)
    CHECK_MESSAGE(got[i] == doctest::Approx(want[i]).epsilon(tol), "element ", i);
}

}  // namespace

TEST_CASE("autograd engine: modifying a saved tensor in place makes backward throw") {
  Tensor a = leaf({1, 2}, {2});
  Tensor b = constant({3, 4}, {2});
  Tensor y = (a * b).sum();  // MulBackward0 saved b
  b.add_(1);                 // b does not require grad: allowed, but bumps its version
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("MulBackward0"), tg::Error);
  Tensor y2 = (a * b).sum();
  b.mul_(2.0);
  CHECK_THROWS_WITH_AS(y2.backward(), doctest::Contains("in-place"), tg::Error);
  CHECK_FALSE(a.grad().defined());

  // Modifying it before the op, or modifying a clone, is fine.
  Tensor c = constant({3, 4}, {2});
  c.add_(1);
  Tensor y3 = (a * c).sum();
  c.clone().add_(1);
  y3.backward();
  check_close(a.grad(), {4, 5});
}

TEST_CASE("autograd engine: a modified saved output is detected too") {
  Tensor x = leaf({0.5, 1}, {2});
  Tensor e = tg::exp(x);  // ExpBackward0 saves its output
  Tensor y = e.sum();
  e.detach().mul_(2.0);  // through a view that shares the version counter
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("ExpBackward0"), tg::Error);
}

TEST_CASE("autograd engine: in-place ops on leaves that require grad") {
  Tensor w = leaf({1, 2}, {2});
  SUBCASE("throw while grad mode is on") {
    CHECK_THROWS_WITH_AS(w.add_(1), doctest::Contains("leaf requiring grad"), tg::Error);
    CHECK_THROWS_AS(w.mul_(2.0), tg::Error);
    CHECK_THROWS_AS(w.zero_(), tg::Error);
    check_close(w, {1, 2});  // nothing was written
    // Writing a value that requires grad into a plain tensor would silently cut the graph.
    Tensor plain = constant({0, 0}, {2});
    CHECK_THROWS_AS(plain.copy_(w * 2.0), tg::Error);
  }
  SUBCASE("work under NoGradGuard (an optimizer step)") {
    (w * w).sum().backward();
    {
      tg::NoGradGuard ng;
      w.sub_(w.grad(), 0.25);
    }
    check_close(w, {0.5, 1});
    CHECK(w.requires_grad());
    CHECK(w.is_leaf());
    w.set_grad({});
    (w * w).sum().backward();  // the graph built after the update sees the new values
    check_close(w.grad(), {1, 2});
  }
}

TEST_CASE("autograd engine: detach shares storage and the version counter") {
  Tensor x = leaf({1, 2}, {2});
  Tensor y = (x * x).sum();  // saves x
  Tensor d = x.detach();
  CHECK(d.shares_storage(x));
  d.add_(1);  // d does not require grad, so this is allowed
  check_close(x, {2, 3});
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("in-place"), tg::Error);
}

TEST_CASE(
    "autograd engine: saved tensors are freed after backward and 10^4 steps do not grow memory") {
  tg::Tensor x = tg::randn({16, 4}, nullptr, tg::kFloat32);
  tg::Tensor y = tg::randn({16, 1}, nullptr, tg::kFloat32);
  tg::Tensor w = tg::zeros({4, 1}, tg::kFloat32).requires_grad_();
  tg::Tensor b = tg::zeros({1}, tg::kFloat32).requires_grad_();
  auto step = [&](bool zero_in_place) {
    Tensor d = tg::matmul(x, w) + b - y;
    Tensor loss = (d * d).mean();
    loss.backward();
    tg::NoGradGuard ng;
    w.sub_(w.grad(), 0.01);
    b.sub_(b.grad(), 0.01);
    if (zero_in_place) {
      w.grad().zero_();
      b.grad().zero_();
    } else {
      w.set_grad({});
      b.set_grad({});
    }
    return loss.item<double>();
  };
  SUBCASE("dropping .grad each step") {
    double first = 0, last = 0;
    int64_t at_100 = 0;
    for (int i = 1; i <= 10000; ++i) {
      double l = step(false);
      if (i == 1) first = l;
      if (i == 100) at_100 = tg::memory_stats().allocated_bytes;
      last = l;
    }
    CHECK(tg::memory_stats().allocated_bytes == at_100);
    CHECK(last < first);  // it trained
  }
  SUBCASE("zeroing .grad in place each step") {
    int64_t at_100 = 0;
    for (int i = 1; i <= 10000; ++i) {
      step(true);
      if (i == 100) at_100 = tg::memory_stats().allocated_bytes;
    }
    CHECK(tg::memory_stats().allocated_bytes == at_100);
  }
  SUBCASE("backward frees the graph's saved tensors") {
    Tensor big = tg::ones({1000}, tg::kFloat32).requires_grad_();
    int64_t before = tg::memory_stats().allocated_bytes;
    Tensor loss;
    {
      Tensor h = tg::exp(big * 2.0);  // saves big, a scalar and the exp output
      loss = (h * h).sum();           // saves h twice
    }
    int64_t with_graph = tg::memory_stats().allocated_bytes;
    CHECK(with_graph >= before + 4000);  // exp()'s output is kept alive by the graph
    loss.backward();
    big.set_grad({});
    // Only loss (4 bytes) and the saved 0-d scalar of `big * 2.0` may be left.
    CHECK(tg::memory_stats().allocated_bytes - before <= 64);
  }
}

TEST_CASE("autograd engine: a 10^6-node chain runs backward and is destroyed without recursion") {
  constexpr int kNodes = 1000000;
  Tensor x = leaf({1}, {1});
  Tensor c = constant({1.000001}, {1});
  {
    Tensor y = x;
    for (int i = 0; i < kNodes; ++i) y = y * c;
    // retain_graph keeps every node's saved tensors (and through them the intermediate values
    // and their grad_fn links), the harder case for destruction at the end of this scope.
    y.backward(Tensor(), /*retain_graph=*/true);
    CHECK(y.grad_fn()->name() == "MulBackward0");
  }
  check_close(x.grad(), {std::pow(1.000001, kNodes)}, 1e-9);
}

TEST_CASE("autograd engine: DetectAnomalyGuard names the op that produced NaN/Inf and where") {
  SUBCASE("sqrt at 0 gives inf") {
    Tensor x = leaf({0, 1}, {2});
    tg::autograd::DetectAnomalyGuard guard;
    Tensor y = tg::sqrt(x).sum();
    CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("SqrtBackward0"), tg::Error);
    Tensor y2 = tg::sqrt(x).sum();
    CHECK_THROWS_WITH_AS(y2.backward(), doctest::Contains("created at"), tg::Error);
  }
  SUBCASE("0 * log(0) gives nan") {
    Tensor x = leaf({0, 1}, {2});
    Tensor zero = constant({0, 0}, {2});
    tg::autograd::DetectAnomalyGuard guard;
    Tensor y = (zero * tg::log(x)).sum();  // LogBackward0 computes 0 / 0
    CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("LogBackward0' returned nan"), tg::Error);
  }
  SUBCASE("without the guard there is no error, and the inf reaches .grad") {
    CHECK_FALSE(tg::autograd::AnomalyMode::is_enabled());
    Tensor x = leaf({0, 1}, {2});
    tg::sqrt(x).sum().backward();
    std::vector<double> g = x.grad().to_vector<double>();
    CHECK(std::isinf(g[0]));
    CHECK(g[1] == doctest::Approx(0.5));
  }
  SUBCASE("the guard nests and restores") {
    {
      tg::autograd::DetectAnomalyGuard outer;
      {
        tg::autograd::DetectAnomalyGuard inner;
        CHECK(tg::autograd::AnomalyMode::is_enabled());
      }
      CHECK(tg::autograd::AnomalyMode::is_enabled());
    }
    CHECK_FALSE(tg::autograd::AnomalyMode::is_enabled());
  }
}
