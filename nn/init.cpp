// nn/init.cpp — in-place initialisers. Random values are drawn in the tensor's own dtype and
// device and copied in, so a parameter keeps its identity (optimizers may already hold it).
#include "init.h"

#include <cmath>

#include "../autograd/grad_mode.h"
#include "../tensor/ops.h"

namespace tg::nn::init {
namespace {

void check_float(const Tensor& t, const char* op) {
  TG_CHECK(t.defined() && t.is_floating_point(), op, ": expected a defined floating-point tensor");
}

int64_t fan(const Tensor& t, FanMode mode) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  return mode == FanMode::FanIn ? fan_in : fan_out;
}

}  // namespace

double calculate_gain(const std::string& nonlinearity, std::optional<double> param) {
  if (nonlinearity == "linear" || nonlinearity == "sigmoid" || nonlinearity == "identity" ||
      nonlinearity.rfind("conv", 0) == 0)
    return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") {
    double slope = param.value_or(0.01);
    return std::sqrt(2.0 / (1.0 + slope * slope));
  }
  if (nonlinearity == "selu") return 3.0 / 4.0;
  TG_THROW("calculate_gain: unsupported nonlinearity '", nonlinearity, "'");
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t) {
  TG_CHECK(t.defined() && t.dim() >= 2,
           "calculate_fan_in_and_fan_out: needs a tensor with at least 2 dimensions, got ",
           t.defined() ? t.sizes() : DimVec{});
  int64_t receptive = 1;
  for (int d = 2; d < t.dim(); ++d) receptive *= t.size(d);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

Tensor uniform_(const Tensor& t, double a, double b, Generator* gen) {
  check_float(t, "uniform_");
  NoGradGuard no_grad;
  Tensor(t).copy_(add(mul(rand(t.sizes(), gen, t.dtype(), t.device()), b - a), a));
  return t;
}

Tensor normal_(const Tensor& t, double mean, double stddev, Generator* gen) {
  check_float(t, "normal_");
  NoGradGuard no_grad;
  Tensor(t).copy_(add(mul(randn(t.sizes(), gen, t.dtype(), t.device()), stddev), mean));
  return t;
}

const Tensor& trunc_normal_(const Tensor& t, double mean, double stddev, double a, double b,
                            Generator* gen) {
  check_float(t, "trunc_normal_");
  TG_CHECK(a < b, "trunc_normal_: needs a < b, got [", a, ", ", b, "]");
  NoGradGuard no_grad;
  // Rejection sampling: redraw the elements outside [a, b]. With the default [-2, 2] std window
  // 4.6% are redrawn per round; the cap only guards windows far out in the tails.
  Tensor x = add(mul(randn(t.sizes(), gen, kFloat64, t.device()), stddev), mean);
  for (int round = 0; round < 1000; ++round) {
    Tensor outside = logical_or(lt(x, a), gt(x, b));
    if (sum(outside.to(kInt64)).item<int64_t>() == 0) break;
    Tensor fresh = add(mul(randn(t.sizes(), gen, kFloat64, t.device()), stddev), mean);
    x = where(outside, fresh, x);
  }
  Tensor(t).copy_(clamp(x, a, b));
  return t;
}

Tensor constant_(const Tensor& t, double value) {
  TG_CHECK(t.defined(), "constant_: tensor is undefined");
  NoGradGuard no_grad;
  Tensor(t).fill_(value);
  return t;
}
Tensor zeros_(const Tensor& t) { return constant_(t, 0.0); }
Tensor ones_(const Tensor& t) { return constant_(t, 1.0); }

Tensor xavier_uniform_(const Tensor& t, double gain, Generator* gen) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  double bound = gain * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  return uniform_(t, -bound, bound, gen);
}

Tensor xavier_normal_(const Tensor& t, double gain, Generator* gen) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  return normal_(t, 0.0, gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)), gen);
}

Tensor kaiming_uniform_(const Tensor& t, double a, FanMode mode, const std::string& nonlinearity,
                        Generator* gen) {
  double stddev = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan(t, mode)));
  double bound = std::sqrt(3.0) * stddev;
  return uniform_(t, -bound, bound, gen);
}

Tensor kaiming_normal_(const Tensor& t, double a, FanMode mode, const std::string& nonlinearity,
                       Generator* gen) {
  double stddev = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan(t, mode)));
  return normal_(t, 0.0, stddev, gen);
}

}  // namespace tg::nn::init
