// nn/activation.cpp — activation modules (thin wrappers over nn/functional.h).
#include "activation.h"

#include "functional.h"

namespace tg::nn {

Tensor ReLU::forward(const Tensor& x) { return functional::relu(x); }
Tensor Sigmoid::forward(const Tensor& x) { return functional::sigmoid(x); }
Tensor Tanh::forward(const Tensor& x) { return functional::tanh(x); }

GELU::GELU(std::string approximate_) : UnaryModule("GELU"), approximate(std::move(approximate_)) {
  TG_CHECK(approximate == "none" || approximate == "tanh",
           "GELU: approximate must be \"none\" or \"tanh\", got \"", approximate, "\"");
}

Tensor GELU::forward(const Tensor& x) { return functional::gelu(x, approximate); }

std::string GELU::extra_repr() const {
  return approximate == "none" ? "" : "approximate='" + approximate + "'";
}

}  // namespace tg::nn
