// nn/activation.h — elementwise activations as modules (for Sequential).
#pragma once

#include <string>

#include "module.h"

namespace tg::nn {

class ReLU : public UnaryModule {
 public:
  ReLU() : UnaryModule("ReLU") {}
  Tensor forward(const Tensor& x) override;  // max(x, 0)
};

class Sigmoid : public UnaryModule {
 public:
  Sigmoid() : UnaryModule("Sigmoid") {}
  Tensor forward(const Tensor& x) override;  // 1 / (1 + exp(-x))
};

class Tanh : public UnaryModule {
 public:
  Tanh() : UnaryModule("Tanh") {}
  Tensor forward(const Tensor& x) override;
};

class GELU : public UnaryModule {
 public:
  // approximate: "none" (exact, erf) or "tanh".
  explicit GELU(std::string approximate = "none");
  Tensor forward(const Tensor& x) override;  // x * Phi(x)
  std::string extra_repr() const override;

  std::string approximate;
};

}  // namespace tg::nn
