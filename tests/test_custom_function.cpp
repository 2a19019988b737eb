// tests/test_custom_function.cpp — user-defined autograd Functions: forward/backward, saved
// outputs under create_graph, needs_input_grad, non-tensor arguments, errors.
#include <doctest/doctest.h>

#include <cmath>

#include <tapegrad/tapegrad.h>

using tg::Tensor;
using tg::autograd::AutogradContext;
using tg::autograd::Grads;

namespace {

// y = exp(x) * scale, saving its own output (the case that needs care: no reference cycle, and
// create_graph must still differentiate through it).
struct ScaledExp : tg::autograd::Function<ScaledExp> {
  static constexpr const char* kName = "ScaledExpBackward";
  static Tensor forward(AutogradContext* ctx, const Tensor& x, double scale) {
    Tensor y = tg::exp(x) * scale;
    ctx->save_for_backward({y});
    return y;
  }
  static Grads backward(AutogradContext* ctx, const Grads& g) { return {g[0] * ctx->saved()[0]}; }
};

// z = a * b with a gradient only for the inputs that need one.
struct Product : tg::autograd::Function<Product> {
  static Tensor forward(AutogradContext* ctx, const Tensor& a, const Tensor& b) {
    ctx->save_for_backward({a, b});
    return a * b;
  }
  static Grads backward(AutogradContext* ctx, const Grads& g) {
    auto s = ctx->saved();
    return {ctx->needs_input_grad(0) ? g[0] * s[1] : Tensor(),
            ctx->needs_input_grad(1) ? g[0] * s[0] : Tensor()};
  }
};

}  // namespace

TEST_CASE("custom Function: gradients match the built-in ops") {
  Tensor x = tg::tensor({0.5, -1.0}, tg::kFloat64).requires_grad_();
  Tensor y = ScaledExp::apply(x, 3.0);
  CHECK(y.grad_fn()->name() == "ScaledExpBackward");
  y.sum().backward();
  CHECK(tg::allclose(x.grad(), tg::exp(x.detach()) * 3.0));
  CHECK(tg::autograd::gradcheck([](const std::vector<Tensor>& in) { return ScaledExp::apply(in[0], 2.0); },
                                {x}));
}

TEST_CASE("custom Function: a saved output supports second derivatives") {
  Tensor x = tg::tensor({0.3}, tg::kFloat64).requires_grad_();
  Tensor y = ScaledExp::apply(x, 1.0);
  auto g = tg::autograd::grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true);
  REQUIRE(g[0].requires_grad());
  auto g2 = tg::autograd::grad({g[0]}, {x});
  CHECK(g2[0].item<double>() == doctest::Approx(std::exp(0.3)));
}

TEST_CASE("custom Function: needs_input_grad and inputs without grad") {
  Tensor a = tg::tensor({2.0, 3.0}, tg::kFloat64).requires_grad_();
  Tensor b = tg::tensor({5.0, 7.0}, tg::kFloat64);
  Product::apply(a, b).sum().backward();
  CHECK(a.grad().to_vector<double>() == std::vector<double>{5.0, 7.0});
  CHECK_FALSE(b.grad().defined());
  Tensor plain = Product::apply(b, b);  // nothing requires grad: no node recorded
  CHECK_FALSE(plain.requires_grad());
}

TEST_CASE("custom Function: backward twice without retain_graph is an error") {
  Tensor x = tg::tensor({1.0}, tg::kFloat64).requires_grad_();
  Tensor y = ScaledExp::apply(x, 1.0).sum();
  y.backward();
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("retain_graph"), tg::Error);
}

TEST_CASE("to_dot: named leaves produce well-formed labels") {
  Tensor w = tg::ones({2}).requires_grad_().set_name("w\"1");
  std::string dot = tg::autograd::to_dot((w * 2.0f).sum());
  CHECK(dot.find("leaf \\\"w\\\"1\\\"") != std::string::npos);  // quotes escaped
  size_t unescaped = 0;
  for (size_t i = 0; i < dot.size(); ++i)
    if (dot[i] == '"' && (i == 0 || dot[i - 1] != '\\')) ++unescaped;
  CHECK(unescaped % 2 == 0);
}
