// tests/test_optim_state.cpp — optimizer groups, zero_grad, state_dict round trips and errors.
#include <string>

#include <doctest/doctest.h>
#include <tapegrad/tapegrad.h>

namespace optim = tg::optim;
using tg::Tensor;

namespace {

// The quadratic 0.5 * sum(coef * (p - 1)^2) through autograd, so steps exercise the real path.
void backward_quadratic(const std::vector<Tensor>& params) {
  Tensor loss = tg::scalar_tensor(0.0, tg::kFloat64);
  double coef = 1.0;
  for (const Tensor& p : params) {
    loss = loss + (tg::mul(tg::sub(p, 1.0), tg::sub(p, 1.0)) * (0.5 * coef)).sum();
    coef += 0.5;
  }
  loss.backward();
}

std::vector<Tensor> make_params() {
  tg::Generator gen(7);
  return {tg::randn({3, 2}, &gen, tg::kFloat64).requires_grad_(),
          tg::randn({4}, &gen, tg::kFloat64).requires_grad_()};
}

std::vector<Tensor> clones(const std::vector<Tensor>& ps) {
  std::vector<Tensor> out;
  for (const Tensor& p : ps) out.push_back(p.detach().clone().requires_grad_());
  return out;
}

template <class Opt, class Options>
void check_resume(Options options) {
  std::vector<Tensor> a = make_params(), b = clones(a);
  Opt straight(a, options);
  for (int i = 0; i < 5; ++i) {
    straight.zero_grad();
    backward_quadratic(a);
    straight.step();
  }
  tg::nn::StateDict saved;
  {
    Opt first(b, options);
    for (int i = 0; i < 3; ++i) {
      first.zero_grad();
      backward_quadratic(b);
      first.step();
    }
    saved = first.state_dict();
  }
  Opt resumed(b, options);
  resumed.load_state_dict(saved);
  for (int i = 0; i < 2; ++i) {
    resumed.zero_grad();
    backward_quadratic(b);
    resumed.step();
  }
  for (size_t i = 0; i < a.size(); ++i) CHECK(tg::equal(a[i], b[i]));
}

bool throws_with(const std::function<void()>& fn, const std::string& needle) {
  try {
    fn();
  } catch (const tg::Error& e) {
    std::string msg = e.what();
    if (msg.find(needle) != std::string::npos) return true;
    MESSAGE("message was: ", msg);
    return false;
  }
  return false;
}

}  // namespace

TEST_CASE("optim state: per-group learning rates and weight decay apply to their own params") {
  Tensor a = tg::ones({2}, tg::kFloat64).requires_grad_();
  Tensor b = tg::ones({2}, tg::kFloat64).requires_grad_();
  optim::SGD opt(
      {optim::ParamGroup{{a}, {}}, optim::ParamGroup{{b}, {{"lr", 0.5}, {"weight_decay", 1.0}}}},
      {.lr = 0.1});
  CHECK(opt.param_groups()[0].lr() == 0.1);
  CHECK(opt.param_groups()[1].lr() == 0.5);
  CHECK(opt.param_groups()[0].get("momentum") == 0.0);  // filled from the defaults
  a.set_grad(tg::ones({2}, tg::kFloat64));
  b.set_grad(tg::ones({2}, tg::kFloat64));
  opt.step();
  CHECK(a.to_vector<double>() == std::vector<double>{0.9, 0.9});
  CHECK(b.to_vector<double>() == std::vector<double>{0.0, 0.0});  // 1 - 0.5 * (1 + 1 * 1)
}

TEST_CASE("optim state: constructor and add_param_group validate their input") {
  Tensor a = tg::ones({2}).requires_grad_();
  CHECK_THROWS_AS(optim::SGD(std::vector<Tensor>{}), tg::Error);
  CHECK_THROWS_AS(optim::Adam({a}, {.lr = -1.0}), tg::Error);
  CHECK_THROWS_AS(optim::SGD({a}, {.lr = 0.1, .nesterov = true}), tg::Error);
  CHECK(throws_with(
      [&] {
        optim::SGD({optim::ParamGroup{{a}, {{"betas", 0.9}}}});
      },
      "unknown option 'betas'"));
  optim::Adam opt({a});
  CHECK(throws_with([&] { opt.add_param_group({{a}, {}}); }, "more than one parameter group"));
  Tensor b = tg::ones({3}).requires_grad_();
  opt.add_param_group({{b}, {{"lr", 0.5}}});
  CHECK(opt.param_groups().size() == 2);
  CHECK(opt.param_groups()[1].lr() == 0.5);
  CHECK(opt.param_groups()[1].get("beta2") == 0.999);
}

TEST_CASE("optim state: zero_grad drops or zeroes gradients") {
  Tensor a = tg::ones({2}).requires_grad_();
  optim::SGD opt({a}, {.lr = 0.1});
  a.set_grad(tg::ones({2}));
  opt.zero_grad(false);
  REQUIRE(a.grad().defined());
  CHECK(a.grad().to_vector<float>() == std::vector<float>{0, 0});
  opt.zero_grad();
  CHECK_FALSE(a.grad().defined());
}

TEST_CASE("optim state: step updates in place and bumps the version counter") {
  Tensor a = tg::ones({2}).requires_grad_();
  void* data = a.data_ptr();
  auto version = a.impl().storage()->version();
  optim::Adam opt({a}, {.lr = 0.1});
  a.set_grad(tg::ones({2}));
  opt.step();
  CHECK(a.data_ptr() == data);
  CHECK(a.impl().storage()->version() > version);
  CHECK(a.is_leaf());
  CHECK_FALSE(a.grad_fn());
  REQUIRE(opt.state(a) != nullptr);
  CHECK(opt.state(a)->step == 1);
}

TEST_CASE("optim state: state_dict keys and resuming after 3 steps equals 5 straight steps") {
  std::vector<Tensor> ps = make_params();
  optim::Adam opt(ps, {.lr = 0.1, .amsgrad = true});
  backward_quadratic(ps);
  opt.step();
  auto sd = opt.state_dict();
  CHECK(sd.count("param_groups.0.lr"));
  CHECK(sd.at("param_groups.0.lr").dim() == 0);
  CHECK(sd.at("param_groups.0.lr").item<double>() == 0.1);
  CHECK(sd.at("param_groups.0.amsgrad").item<double>() == 1.0);
  CHECK(sd.at("param_groups.0.params").to_vector<int64_t>() == std::vector<int64_t>{0, 1});
  CHECK(sd.at("state.1.step").item<int64_t>() == 1);
  CHECK(sd.at("state.1.exp_avg").sizes() == tg::DimVec{4});
  CHECK(sd.at("state.0.max_exp_avg_sq").sizes() == tg::DimVec{3, 2});
  // The dict holds copies: a later step does not change it.
  Tensor saved = sd.at("state.0.exp_avg").clone();
  backward_quadratic(ps);
  opt.step();
  CHECK(tg::equal(saved, sd.at("state.0.exp_avg")));

  check_resume<optim::SGD>(optim::SGDOptions{.lr = 0.05, .momentum = 0.9, .nesterov = true});
  check_resume<optim::Adam>(optim::AdamOptions{.lr = 0.05, .amsgrad = true});
  check_resume<optim::AdamW>(optim::AdamWOptions{.lr = 0.05});
  check_resume<optim::Adagrad>(optim::AdagradOptions{.lr = 0.1, .lr_decay = 0.1});
  check_resume<optim::RMSprop>(
      optim::RMSpropOptions{.lr = 0.01, .momentum = 0.5, .centered = true});
  check_resume<optim::RowWiseAdagrad>(optim::RowWiseAdagradOptions{.lr = 0.1});
}

TEST_CASE("optim state: load_state_dict restores hyperparameters") {
  std::vector<Tensor> ps = make_params();
  optim::SGD a(ps, {.lr = 0.1});
  a.param_groups()[0].set_lr(0.025);
  optim::SGD b(clones(ps), {.lr = 0.1});
  b.load_state_dict(a.state_dict());
  CHECK(b.param_groups()[0].lr() == 0.025);
}

TEST_CASE("optim state: load_state_dict errors name the key") {
  std::vector<Tensor> ps = make_params();
  optim::Adam opt(ps, {.lr = 0.1});
  backward_quadratic(ps);
  opt.step();
  const auto good = opt.state_dict();
  optim::Adam other(clones(ps), {.lr = 0.1});

  auto bad = good;
  bad["state.0.exp_avg"] = tg::zeros({2, 3}, tg::kFloat64);
  CHECK(throws_with([&] { other.load_state_dict(bad); }, "'state.0.exp_avg' has shape [2, 3]"));
  bad = good;
  bad.erase("state.1.exp_avg_sq");
  CHECK(throws_with([&] { other.load_state_dict(bad); }, "missing key 'state.1.exp_avg_sq'"));
  bad = good;
  bad["state.0.momentum_buffer"] = tg::zeros({3, 2}, tg::kFloat64);
  CHECK(
      throws_with([&] { other.load_state_dict(bad); }, "unexpected key 'state.0.momentum_buffer'"));
  bad = good;
  bad["state.5.exp_avg"] = tg::zeros({3, 2}, tg::kFloat64);
  CHECK(throws_with([&] { other.load_state_dict(bad); }, "'state.5.exp_avg'"));
  bad = good;
  bad.erase("param_groups.0.beta1");
  CHECK(throws_with([&] { other.load_state_dict(bad); }, "missing key 'param_groups.0.beta1'"));
  bad = good;
  bad["param_groups.0.params"] = tg::from_vector<int64_t>({0});
  CHECK(throws_with([&] { other.load_state_dict(bad); }, "'param_groups.0.params'"));
  bad = good;
  bad["param_groups.1.lr"] = tg::scalar_tensor(0.1, tg::kFloat64);
  CHECK(throws_with([&] { other.load_state_dict(bad); }, "parameter groups"));
  bad = good;
  bad["momentum"] = tg::scalar_tensor(0.1, tg::kFloat64);
  CHECK(throws_with([&] { other.load_state_dict(bad); }, "unexpected key 'momentum'"));
  // A failed load leaves the optimizer as it was: no state yet.
  CHECK(other.state(other.param_groups()[0].params[0]) == nullptr);
  // Loading the good dict works and brings the state over.
  other.load_state_dict(good);
  REQUIRE(other.state(other.param_groups()[0].params[0]) != nullptr);
  CHECK(other.state(other.param_groups()[0].params[0])->step == 1);
}
