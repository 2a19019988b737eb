// nn/linear.cpp — Linear.
#include "linear.h"

#include <cmath>
#include <sstream>

#include "functional.h"
#include "init.h"

namespace tg::nn {

Linear::Linear(int64_t in, int64_t out, bool with_bias, Generator* gen)
    : UnaryModule("Linear"), in_features(in), out_features(out) {
  TG_CHECK(in_features >= 0 && out_features >= 0,
           "Linear: feature counts must be non-negative, got ", in_features, " and ", out_features);
  weight = register_parameter("weight", empty({out_features, in_features}));
  if (with_bias) bias = register_parameter("bias", empty({out_features}));
  reset_parameters(gen);
}

void Linear::reset_parameters(Generator* gen) {
  init::kaiming_uniform_(weight, std::sqrt(5.0), init::FanMode::FanIn, "leaky_relu", gen);
  if (bias.defined()) {
    double bound = in_features > 0 ? 1.0 / std::sqrt(static_cast<double>(in_features)) : 0.0;
    init::uniform_(bias, -bound, bound, gen);
  }
}

Tensor Linear::forward(const Tensor& x) { return functional::linear(x, weight, bias); }

std::string Linear::extra_repr() const {
  std::ostringstream os;
  os << "in_features=" << in_features << ", out_features=" << out_features
     << ", bias=" << (bias.defined() ? "true" : "false");
  return os.str();
}

}  // namespace tg::nn
