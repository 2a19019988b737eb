// nn/dropout.h — Dropout: active only in training mode.
#pragma once

#include "module.h"

namespace tg::nn {

class Dropout : public UnaryModule {
 public:
  explicit Dropout(double p = 0.5, Generator* gen = nullptr);
  // training: x * mask / (1 - p), mask ~ Bernoulli(1 - p); eval: x
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  double p;
  Generator* gen;  // null: the default generator
};

}  // namespace tg::nn
