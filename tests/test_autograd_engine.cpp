// tests/test_autograd_engine.cpp — the engine's semantics: leaves, accumulation, broadcasting,
// dtypes, errors, create_graph / autograd::grad, grad-mode guards, detach and hooks.
// In-place/version counters, memory, deep graphs and anomaly mode: test_autograd_engine_graph.cpp.
#include <cmath>
#include <thread>
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

void check_close(const Tensor& t, const std::vector<double>& want, double tol = 1e-9) {
  REQUIRE(t.defined());
  std::vector<double> got = t.to_vector<double>();
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i)
    CHECK_MESSAGE(got[i] == doctest::Approx(want[i]).epsilon(tol), "element ", i);
}

std::string grad_fn_name(const Tensor& t) { return t.grad_fn() ? t.grad_fn()->name() : "<none>"; }

}  // namespace

TEST_CASE("autograd engine: leaves and requires_grad and is_leaf and grad_fn names") {
  Tensor a = leaf({1, 2}, {2});
  Tensor b = tg::from_vector(std::vector<double>{3, 4}, tg::DimVec{2});
  CHECK(a.requires_grad());
  CHECK(a.is_leaf());
  CHECK(a.grad_fn() == nullptr);
  CHECK_FALSE(b.requires_grad());
  CHECK(b.is_leaf());

  Tensor c = a * b;
  CHECK(c.requires_grad());
  CHECK_FALSE(c.is_leaf());
  CHECK(grad_fn_name(c) == "MulBackward0");
  CHECK(grad_fn_name(a + b) == "AddBackward0");
  CHECK(grad_fn_name(c.sum()).rfind("SumBackward", 0) == 0);
  CHECK(grad_fn_name(tg::exp(a)) == "ExpBackward0");
  // No input requires grad: no history.
  Tensor d = b * b;
  CHECK_FALSE(d.requires_grad());
  CHECK(d.grad_fn() == nullptr);
  CHECK(a.grad().defined() == false);  // nothing ran yet

  c.sum().backward();
  check_close(a.grad(), {3, 4});
  CHECK_FALSE(b.grad().defined());
}

TEST_CASE("autograd engine: gradients accumulate across backward calls (retain_graph)") {
  Tensor x = leaf({2, -1}, {2});
  Tensor y = (x * x * 3.0).sum();  // dy/dx = 6x
  y.backward(Tensor(), /*retain_graph=*/true);
  check_close(x.grad(), {12, -6});
  y.backward();
  check_close(x.grad(), {24, -12});
  // A new graph accumulates into the same .grad; set_grad({}) drops it.
  x.set_grad({});
  (x * 2.0).sum().backward();
  check_close(x.grad(), {2, 2});
}

TEST_CASE("autograd engine: a value used twice gets the sum of both gradients") {
  Tensor x = leaf({3, -2}, {2});
  (x * x).sum().backward();
  check_close(x.grad(), {6, -4});

  Tensor z = leaf({3, -2}, {2});
  (z + z).sum().backward();
  check_close(z.grad(), {2, 2});

  // An intermediate used twice: u = 2x; y = u * u + u -> dy/dx = 2 * (2u + 1).
  Tensor w = leaf({1, 0.5}, {2});
  Tensor u = w * 2.0;
  (u * u + u).sum().backward();
  check_close(w.grad(), {2 * (2 * 2 + 1), 2 * (2 * 1 + 1)});
}

TEST_CASE("autograd engine: a leaf used in two branches") {
  Tensor x = leaf({0.5, 2}, {2});
  Tensor a = tg::exp(x);           // branch 1
  Tensor b = x * x * x;            // branch 2
  Tensor y = (a * 2.0 + b).sum();  // dy/dx = 2 exp(x) + 3 x^2
  y.backward();
  check_close(x.grad(), {2 * std::exp(0.5) + 3 * 0.25, 2 * std::exp(2.0) + 12});
}

TEST_CASE("autograd engine: broadcast gradients are summed back to each input's shape") {
  Tensor a = leaf({1, 2, 3}, {3, 1});
  Tensor b = leaf({10, 20, 30, 40}, {4});
  Tensor y = a + b;  // [3, 4]
  CHECK(y.sizes() == tg::DimVec{3, 4});
  (y * y).sum().backward();  // d/da_i = sum_j 2 (a_i + b_j), d/db_j = sum_i 2 (a_i + b_j)
  REQUIRE(a.grad().defined());
  CHECK(a.grad().sizes() == tg::DimVec{3, 1});
  CHECK(b.grad().sizes() == tg::DimVec{4});
  check_close(a.grad(), {2 * (4 * 1 + 100), 2 * (4 * 2 + 100), 2 * (4 * 3 + 100)});
  check_close(b.grad(), {2 * (6 + 30), 2 * (6 + 60), 2 * (6 + 90), 2 * (6 + 120)});

  // A 0-d scalar broadcast against a matrix.
  Tensor s = leaf({2}, {});
  Tensor m = leaf({1, 2, 3, 4}, {2, 2});
  (s * m).sum().backward();
  CHECK(s.grad().sizes() == tg::DimVec{});
  check_close(s.grad(), {10});
  check_close(m.grad(), {2, 2, 2, 2});
}

TEST_CASE("autograd engine: mixed float32/float64 inputs get gradients of their own dtype") {
  Tensor a = leaf({1, 2}, {2}, tg::kFloat32);
  Tensor b = leaf({3, 4}, {2}, tg::kFloat64);
  Tensor y = a * b;
  CHECK(y.dtype() == tg::kFloat64);
  y.sum().backward();
  CHECK(a.grad().dtype() == tg::kFloat32);
  CHECK(b.grad().dtype() == tg::kFloat64);
  check_close(a.grad(), {3, 4});
  check_close(b.grad(), {1, 2});
}

TEST_CASE("autograd engine: backward(gradient) for non-scalar outputs") {
  Tensor x = leaf({1, 2, 3}, {3});
  Tensor y = x * x;
  y.backward(tg::from_vector(std::vector<double>{1, 0.5, -1}, tg::DimVec{3}));
  check_close(x.grad(), {2, 2, -6});

  // Several outputs at once, one of which depends on the other.
  Tensor p = leaf({2}, {1});
  Tensor q = p * 3.0;
  Tensor r = q * q;
  tg::autograd::backward({q, r}, {tg::ones({1}, tg::kFloat64), tg::ones({1}, tg::kFloat64)});
  check_close(p.grad(), {3 + 2 * 6 * 3});  // dq/dp + dr/dp = 3 + 2q * 3
}

TEST_CASE("autograd engine: backward errors are clear tg::Errors") {
  Tensor x = leaf({1, 2}, {2});
  SUBCASE("non-scalar output without a gradient") {
    CHECK_THROWS_WITH_AS((x * 2.0).backward(),
                         doctest::Contains("grad can be implicitly created only for scalar"),
                         tg::Error);
  }
  SUBCASE("a tensor that does not require grad") {
    Tensor c = tg::ones({2}, tg::kFloat64).sum();
    CHECK_THROWS_WITH_AS(c.backward(), doctest::Contains("does not require grad"), tg::Error);
    tg::NoGradGuard ng;
    Tensor d = (x * 2.0).sum();
    CHECK_THROWS_WITH_AS(d.backward(), doctest::Contains("does not require grad"), tg::Error);
  }
  SUBCASE("backward twice without retain_graph") {
    Tensor y = (x * x).sum();
    y.backward();
    CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("retain_graph"), tg::Error);
  }
  SUBCASE("gradient of the wrong shape") {
    Tensor y = x * 2.0;
    CHECK_THROWS_WITH_AS(y.backward(tg::ones({3}, tg::kFloat64)),
                         doctest::Contains("does not match output"), tg::Error);
  }
  SUBCASE("requires_grad_ on an integer tensor") {
    Tensor i = tg::arange(0, 3);
    CHECK_THROWS_WITH_AS(i.requires_grad_(), doctest::Contains("only floating-point"), tg::Error);
    CHECK_FALSE(i.requires_grad());
  }
  SUBCASE("requires_grad_(false) on a non-leaf") {
    Tensor y = x * 2.0;
    CHECK_THROWS_WITH_AS(y.requires_grad_(false), doctest::Contains("non-leaf"), tg::Error);
  }
}

TEST_CASE("autograd engine: create_graph gives second derivatives of elementwise ops") {
  struct Case {
    const char* name;
    Tensor (*f)(const Tensor&);
    double (*d2)(double);
  };
  const Case cases[] = {
      {"x^3", [](const Tensor& x) { return x * x * x; }, [](double x) { return 6 * x; }},
      {"pow(x, 3)", [](const Tensor& x) { return tg::pow(x, 3.0); },
       [](double x) { return 6 * x; }},
      {"tanh", [](const Tensor& x) { return tg::tanh(x); },
       [](double x) {
         double t = std::tanh(x);
         return -2 * t * (1 - t * t);
       }},
      {"sigmoid", [](const Tensor& x) { return tg::sigmoid(x); },
       [](double x) {
         double s = 1 / (1 + std::exp(-x));
         return s * (1 - s) * (1 - 2 * s);
       }},
      {"exp", [](const Tensor& x) { return tg::exp(x); }, [](double x) { return std::exp(x); }},
      {"log", [](const Tensor& x) { return tg::log(x); }, [](double x) { return -1 / (x * x); }},
  };
  const std::vector<double> xs{0.3, 1.7, 2.5};
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Tensor x = leaf(xs, {3});
    Tensor y = c.f(x).sum();
    std::vector<Tensor> g = tg::autograd::grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true);
    REQUIRE(g[0].requires_grad());
    g[0].sum().backward();  // d/dx sum f'(x) = f''(x), elementwise
    std::vector<double> want;
    for (double v : xs) want.push_back(c.d2(v));
    check_close(x.grad(), want, 1e-7);
  }
}

TEST_CASE("autograd engine: backward(create_graph) leaves a differentiable .grad") {
  Tensor x = leaf({2}, {1});
  (x * x * x).sum().backward(Tensor(), false, /*create_graph=*/true);
  Tensor g = x.grad();  // 3x^2 = 12, with history
  check_close(g, {12});
  REQUIRE(g.requires_grad());
  x.set_grad({});
  g.sum().backward();
  check_close(x.grad(), {12});  // 6x
}

TEST_CASE("autograd engine: Hessian-vector product of x^T A x is (A + A^T) v") {
  Tensor A = tg::from_vector(std::vector<double>{1, 2, 0, -1, 3, 4, 0.5, 0, 2}, tg::DimVec{3, 3});
  Tensor x = leaf({0.2, -0.7, 1.1}, {3, 1});
  Tensor v = tg::from_vector(std::vector<double>{1, -2, 0.5}, tg::DimVec{3, 1});
  Tensor f = tg::matmul(tg::matmul(x.t(), A), x).sum();
  std::vector<Tensor> g = tg::autograd::grad({f}, {x}, {}, std::nullopt, /*create_graph=*/true);
  CHECK(g[0].sizes() == tg::DimVec{3, 1});
  Tensor sym = A + A.t();
  check_close(g[0], tg::matmul(sym, x).to_vector<double>());
  std::vector<Tensor> hv = tg::autograd::grad({(g[0] * v).sum()}, {x});
  check_close(hv[0], tg::matmul(sym, v).to_vector<double>());
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("autograd engine: autograd::grad") {
  Tensor x = leaf({1, 2}, {2});
  Tensor w = leaf({3, 4}, {2});
  Tensor unused = leaf({5}, {1});

  SUBCASE("returns gradients without touching .grad") {
    Tensor y = (x * w).sum();
    std::vector<Tensor> g = tg::autograd::grad({y}, {x, w});
    REQUIRE(g.size() == 2);
    check_close(g[0], {3, 4});
    check_close(g[1], {1, 2});
    CHECK_FALSE(x.grad().defined());
    CHECK_FALSE(w.grad().defined());
    CHECK_FALSE(g[0].requires_grad());  // no create_graph: plain values
  }
  SUBCASE("only some inputs, and a non-leaf input") {
    Tensor h = x * 2.0;
    Tensor y = (h * w).sum();
    std::vector<Tensor> g = tg::autograd::grad({y}, {h}, {}, /*retain_graph=*/true);
    check_close(g[0], {3, 4});
    g = tg::autograd::grad({y}, {x});
    check_close(g[0], {6, 8});
    CHECK_FALSE(x.grad().defined());
    CHECK_FALSE(w.grad().defined());
  }
  SUBCASE("grad_outputs for a non-scalar output") {
    Tensor y = x * w;
    std::vector<Tensor> g =
        tg::autograd::grad({y}, {x}, {tg::from_vector(std::vector<double>{2, -1}, tg::DimVec{2})});
    check_close(g[0], {6, -4});
  }
  SUBCASE("an unused input: error unless allow_unused") {
    Tensor y = (x * w).sum();
    CHECK_THROWS_WITH_AS(tg::autograd::grad({y}, {x, unused}, {}, true),
                         doctest::Contains("allow_unused"), tg::Error);
    std::vector<Tensor> g = tg::autograd::grad({y}, {x, unused}, {}, std::nullopt, false,
                                               /*allow_unused=*/true);
    check_close(g[0], {3, 4});
    CHECK_FALSE(g[1].defined());
    CHECK_FALSE(unused.grad().defined());
  }
  SUBCASE("w.r.t. an intermediate, the intermediate's own node does not run") {
    // h's MulBackward0 saved b; modifying b only matters to gradients that flow through h.
    Tensor b = tg::from_vector(std::vector<double>{3, 4}, tg::DimVec{2});
    Tensor h = x * b;
    Tensor y = (h * h).sum();
    b.add_(1);
    std::vector<Tensor> g = tg::autograd::grad({y}, {h}, {}, /*retain_graph=*/true);
    check_close(g[0], {6, 16});
    CHECK_THROWS_WITH_AS(tg::autograd::grad({y}, {x}), doctest::Contains("in-place"), tg::Error);
  }
  SUBCASE("hooks on the inputs apply, for leaves as for non-leaves") {
    Tensor h = x * 2.0;
    h.register_hook([](const Tensor& g) { return g * 10.0; });
    x.register_hook([](const Tensor& g) { return g + 1.0; });
    std::vector<Tensor> g = tg::autograd::grad({(h * w).sum()}, {h, x}, {}, true);
    check_close(g[0], {30, 40});
    check_close(g[1], {61, 81});  // 2 * (10 * w), then the leaf's hook adds 1
    CHECK_FALSE(x.grad().defined());
    (h * w).sum().backward();
    check_close(x.grad(), {61, 81});  // .backward() gives the same
  }
  SUBCASE("an input that does not require grad") {
    Tensor c = tg::ones({2}, tg::kFloat64);
    Tensor y = (x * c).sum();
    CHECK_THROWS_AS(tg::autograd::grad({y}, {c}), tg::Error);
  }
}

TEST_CASE("autograd engine: NoGradGuard and EnableGradGuard nest") {
  Tensor x = leaf({1}, {1});
  CHECK(tg::GradMode::is_enabled());
  {
    tg::NoGradGuard ng;
    CHECK_FALSE(tg::GradMode::is_enabled());
    CHECK_FALSE((x * 2.0).requires_grad());
    {
      tg::EnableGradGuard eg;
      CHECK(tg::GradMode::is_enabled());
      Tensor y = x * 2.0;
      CHECK(y.requires_grad());
      CHECK(grad_fn_name(y) == "MulBackward0");
      {
        tg::NoGradGuard inner;
        CHECK_FALSE((x * 2.0).requires_grad());
      }
      CHECK(tg::GradMode::is_enabled());
    }
    CHECK_FALSE(tg::GradMode::is_enabled());
  }
  CHECK(tg::GradMode::is_enabled());
  {  // the mode is per thread: a new thread starts with grad mode on
    tg::NoGradGuard ng;
    bool enabled_in_thread = false;
    std::thread([&] { enabled_in_thread = tg::GradMode::is_enabled(); }).join();
    CHECK(enabled_in_thread);
    CHECK_FALSE(tg::GradMode::is_enabled());
  }
  // backward itself restores the mode it found, also after create_graph and after an error.
  {
    tg::NoGradGuard ng;
    tg::EnableGradGuard eg;
    Tensor y = (x * x).sum();
    y.backward(Tensor(), false, true);
    CHECK(tg::GradMode::is_enabled());
    x.set_grad(Tensor());  // break the x -> x.grad -> graph -> x cycle that create_graph makes
  }
  {
    tg::NoGradGuard ng;
    Tensor y = tg::ones({2}, tg::kFloat64);
    CHECK_THROWS_AS(y.backward(), tg::Error);
    CHECK_FALSE(tg::GradMode::is_enabled());
  }
  CHECK(tg::GradMode::is_enabled());
}

TEST_CASE("autograd engine: detach and requires_grad_(false)") {
  Tensor x = leaf({1, 2}, {2});
  Tensor y = x * 3.0;
  Tensor d = y.detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.is_leaf());
  CHECK(d.grad_fn() == nullptr);
  CHECK(d.shares_storage(y));
  // A detached value is a constant: only the direct path gets a gradient.
  (y * d).sum().backward();  // d/dx = 3 * d = 9x
  check_close(x.grad(), {9, 18});

  Tensor z = leaf({1, 2}, {2});
  z.requires_grad_(false);
  CHECK_FALSE(z.requires_grad());
  CHECK_FALSE((z * 2.0).requires_grad());
  CHECK_THROWS_AS((z * 2.0).sum().backward(), tg::Error);
}

TEST_CASE("autograd engine: tensor hooks and retain_grad") {
  SUBCASE("a hook on a leaf can replace its gradient") {
    Tensor x = leaf({1, 2}, {2});
    int calls = 0;
    x.register_hook([&](const Tensor& g) {
      ++calls;
      return g * 10.0;
    });
    (x * x).sum().backward();
    CHECK(calls == 1);  // once, on the summed gradient of both uses
    check_close(x.grad(), {20, 40});
  }
  SUBCASE("a hook on a non-leaf changes what flows further back") {
    Tensor x = leaf({1, 2}, {2});
    Tensor h = x * 3.0;
    std::vector<double> seen;
    h.register_hook([&](const Tensor& g) {
      seen = g.to_vector<double>();
      return g * 2.0;
    });
    (h * h).sum().backward();  // dL/dh = 2h = (6, 12), doubled by the hook, times 3
    check_close(tg::from_vector(seen, tg::DimVec{2}), {6, 12});
    check_close(x.grad(), {36, 72});
  }
  SUBCASE("a hook returning an undefined tensor leaves the gradient unchanged") {
    Tensor x = leaf({1, 2}, {2});
    Tensor h = x * 3.0;
    bool called = false;
    h.register_hook([&](const Tensor&) {
      called = true;
      return Tensor();
    });
    h.sum().backward();
    CHECK(called);
    check_close(x.grad(), {3, 3});
  }
  SUBCASE("retain_grad keeps the gradient of a non-leaf") {
    Tensor x = leaf({1, 2}, {2});
    Tensor h = x * 3.0;
    Tensor k = x * 5.0;  // no retain_grad: no .grad
    h.retain_grad();
    Tensor y = (h * h + k).sum();
    y.backward(Tensor(), true);
    check_close(h.grad(), {6, 12});
    CHECK_FALSE(h.grad().requires_grad());
    CHECK_FALSE(k.grad().defined());
    y.backward();
    check_close(h.grad(), {12, 24});  // accumulates like a leaf's
  }
  SUBCASE("hooks need requires_grad") {
    Tensor c = tg::ones({2});
    CHECK_THROWS_AS(c.register_hook([](const Tensor& g) { return g; }), tg::Error);
    CHECK_THROWS_AS(c.retain_grad(), tg::Error);
  }
}
