// examples/custom_function.cpp — writing your own differentiable op.
//
// A numerically careful log(1 + exp(x)) ("softplus") as a tg::autograd::Function: the forward
// runs without recording, saves what backward needs, and backward returns one gradient per
// Tensor argument. gradcheck then compares it with finite differences, and the tape shows the
// custom node like any built-in one.
#include <iostream>

#include <tapegrad/tapegrad.h>

struct StableSoftplus : tg::autograd::Function<StableSoftplus> {
  static constexpr const char* kName = "StableSoftplusBackward";

  // y = max(x, 0) + log(1 + exp(-|x|)): never overflows, unlike log(1 + exp(x)).
  static tg::Tensor forward(tg::autograd::AutogradContext* ctx, const tg::Tensor& x) {
    ctx->save_for_backward({x});
    return tg::relu(x) + tg::log(tg::exp(-tg::abs(x)) + 1.0);
  }

  // dy/dx = sigmoid(x)
  static tg::autograd::Grads backward(tg::autograd::AutogradContext* ctx,
                                      const tg::autograd::Grads& grad_outputs) {
    tg::Tensor x = ctx->saved()[0];
    return {grad_outputs[0] * tg::sigmoid(x)};
  }
};

int main() {
  tg::Tensor x = tg::tensor({-800.0, -1.0, 0.0, 2.0, 800.0}).requires_grad_().set_name("x");
  tg::Tensor y = StableSoftplus::apply(x);
  std::cout << "y = " << y << "\n";
  y.sum().backward();
  std::cout << "dy/dx = " << x.grad() << "  (sigmoid(x): no inf, no nan)\n\n";
  std::cout << tg::autograd::print_tape(y.sum()) << "\n";

  tg::Tensor x64 = tg::tensor({-3.0, -0.5, 0.25, 4.0}, tg::kFloat64).requires_grad_();
  bool ok = tg::autograd::gradcheck(
      [](const std::vector<tg::Tensor>& in) { return StableSoftplus::apply(in[0]); }, {x64});
  std::cout << "gradcheck: " << (ok ? "passed" : "FAILED") << "\n";
  return ok ? 0 : 1;
}
