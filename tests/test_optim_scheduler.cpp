// tests/test_optim_scheduler.cpp — LR schedulers' closed forms and clip_grad_norm_'s value.
#include <cmath>
#include <numbers>

#include <doctest/doctest.h>
#include <tapegrad/tapegrad.h>

namespace optim = tg::optim;
using tg::Tensor;

namespace {

// lr after construction and after each of `n` steps.
template <class Sched, class... Args>
std::vector<double> lr_sequence(int n, double base_lr, Args... args) {
  Tensor p = tg::ones({1}).requires_grad_();
  optim::SGD opt({p}, {.lr = base_lr});
  Sched sched(opt, args...);
  std::vector<double> out{sched.get_last_lr()[0]};
  for (int i = 0; i < n; ++i) {
    sched.step();
    out.push_back(opt.param_groups()[0].lr());
  }
  return out;
}

void check_close(const std::vector<double>& got, const std::vector<double>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i)
    CHECK_MESSAGE(got[i] == doctest::Approx(want[i]).epsilon(1e-12), "epoch ", i);
}

}  // namespace

TEST_CASE("optim scheduler: StepLR, MultiStepLR and ExponentialLR follow their closed forms") {
  check_close(lr_sequence<optim::StepLR>(7, 1.0, int64_t{3}, 0.5),
              {1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25});
  check_close(lr_sequence<optim::MultiStepLR>(6, 1.0, std::vector<int64_t>{2, 4, 4}, 0.1),
              {1, 1, 0.1, 0.1, 0.001, 0.001, 0.001});
  std::vector<double> want;
  for (int e = 0; e <= 5; ++e) want.push_back(2.0 * std::pow(0.9, e));
  check_close(lr_sequence<optim::ExponentialLR>(5, 2.0, 0.9), want);
}

TEST_CASE("optim scheduler: CosineAnnealingLR and LinearWarmup follow their closed forms") {
  std::vector<double> want;
  for (int e = 0; e <= 4; ++e)
    want.push_back(0.1 + (1.0 - 0.1) * (1 + std::cos(std::numbers::pi * e / 4)) / 2);
  check_close(lr_sequence<optim::CosineAnnealingLR>(4, 1.0, int64_t{4}, 0.1), want);
  want.clear();
  for (int e = 0; e <= 6; ++e) want.push_back(0.8 * (0.25 + 0.75 * std::min(e, 3) / 3.0));
  check_close(lr_sequence<optim::LinearWarmup>(6, 0.8, int64_t{3}, 0.25), want);
}

TEST_CASE("optim scheduler: schedulers apply to every group from its own base lr") {
  Tensor a = tg::ones({1}).requires_grad_(), b = tg::ones({1}).requires_grad_();
  optim::Adam opt({optim::ParamGroup{{a}, {{"lr", 1.0}}}, optim::ParamGroup{{b}, {{"lr", 0.1}}}});
  optim::StepLR sched(opt, 1, 0.5);
  sched.step();
  CHECK(sched.get_last_lr() == std::vector<double>{0.5, 0.05});
  CHECK(sched.base_lrs() == std::vector<double>{1.0, 0.1});
}

TEST_CASE("optim scheduler: clip_grad_norm_ returns the total norm and scales gradients") {
  Tensor a = tg::zeros({2}, tg::kFloat64).requires_grad_();
  Tensor b = tg::zeros({1}, tg::kFloat64).requires_grad_();
  Tensor none = tg::zeros({1}, tg::kFloat64).requires_grad_();
  a.set_grad(tg::from_vector<double>({3.0, 0.0}));
  b.set_grad(tg::from_vector<double>({4.0}));
  double total = optim::clip_grad_norm_({a, b, none}, 1.0);
  CHECK(total == doctest::Approx(5.0));
  const double coef = 1.0 / (5.0 + 1e-6);
  CHECK(a.grad().to_vector<double>()[0] == doctest::Approx(3.0 * coef));
  CHECK(b.grad().to_vector<double>()[0] == doctest::Approx(4.0 * coef));
  CHECK_FALSE(none.grad().defined());
  // Below max_norm nothing changes; inf-norm is the largest |g|.
  CHECK(optim::clip_grad_norm_({a, b}, 10.0) == doctest::Approx(1.0).epsilon(1e-6));
  CHECK(optim::clip_grad_norm_({a, b}, 10.0, INFINITY) == doctest::Approx(4.0 * coef));
  optim::clip_grad_value_({a, b}, 0.5);
  CHECK(a.grad().to_vector<double>() == std::vector<double>{0.5, 0.0});
  CHECK(b.grad().to_vector<double>() == std::vector<double>{0.5});
}
