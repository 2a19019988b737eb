// nn/init.h — in-place parameter initialisers (PyTorch's torch.nn.init formulas).
//
// Each writes into `t` under NoGradGuard (so a parameter stays a leaf) and draws from `gen`
// (the default generator when null); the same seed gives the same weights everywhere.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "../tensor/tensor.h"

namespace tg::nn::init {

enum class FanMode { FanIn, FanOut };

// Recommended gain for a nonlinearity: linear/conv/sigmoid 1, tanh 5/3, relu sqrt(2),
// leaky_relu sqrt(2 / (1 + param^2)) (param defaults to 0.01), selu 3/4.
double calculate_gain(const std::string& nonlinearity, std::optional<double> param = std::nullopt);
// (fan_in, fan_out) = (size(1) * receptive, size(0) * receptive), receptive = prod(size(2:)).
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t);

Tensor uniform_(const Tensor& t, double a = 0.0, double b = 1.0,
                Generator* gen = nullptr);  // U(a, b)
Tensor normal_(const Tensor& t, double mean = 0.0, double stddev = 1.0, Generator* gen = nullptr);
// N(mean, std^2) restricted to [a, b] (out-of-range draws are redrawn).
const Tensor& trunc_normal_(const Tensor& t, double mean = 0.0, double stddev = 1.0,
                            double a = -2.0, double b = 2.0, Generator* gen = nullptr);
Tensor constant_(const Tensor& t, double value);
Tensor zeros_(const Tensor& t);
Tensor ones_(const Tensor& t);
// U(-bound, bound), bound = gain * sqrt(6 / (fan_in + fan_out)).
Tensor xavier_uniform_(const Tensor& t, double gain = 1.0, Generator* gen = nullptr);
// N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out)).
Tensor xavier_normal_(const Tensor& t, double gain = 1.0, Generator* gen = nullptr);
// U(-bound, bound), bound = sqrt(3) * calculate_gain(nonlinearity, a) / sqrt(fan).
Tensor kaiming_uniform_(const Tensor& t, double a = 0.0, FanMode mode = FanMode::FanIn,
                        const std::string& nonlinearity = "leaky_relu", Generator* gen = nullptr);
// N(0, std^2), std = calculate_gain(nonlinearity, a) / sqrt(fan).
Tensor kaiming_normal_(const Tensor& t, double a = 0.0, FanMode mode = FanMode::FanIn,
                       const std::string& nonlinearity = "leaky_relu", Generator* gen = nullptr);

}  // namespace tg::nn::init
