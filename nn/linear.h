// nn/linear.h — Linear: y = x W^T + b.
#pragma once

#include "module.h"

namespace tg::nn {

// x [..., in_features] -> [..., out_features]; weight [out, in] and bias [out] start at
// U(-1/sqrt(in), 1/sqrt(in)), as in PyTorch (kaiming_uniform_ with a = sqrt(5)).
class Linear : public UnaryModule {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true, Generator* gen = nullptr);
  Tensor forward(const Tensor& x) override;  // x W^T + b
  void reset_parameters(Generator* gen = nullptr);
  std::string extra_repr() const override;

  int64_t in_features, out_features;
  Tensor weight, bias;  // bias is undefined when constructed with bias = false
};

}  // namespace tg::nn
