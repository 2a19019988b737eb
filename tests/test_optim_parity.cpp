// tests/test_optim_parity.cpp — every optimizer, scheduler and clip_grad_norm_ against PyTorch.
//
// The expected trajectories come from tests/fixtures/optim_trajectories.json, written by
// tests/fixtures/gen_optim_fixtures.py (run by hand with PyTorch; this test needs no PyTorch).
// Everything is float64 and must agree within 1e-6.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <tapegrad/tapegrad.h>

namespace optim = tg::optim;
using nlohmann::json;
using tg::Tensor;

namespace {

constexpr double kTol = 1e-6;

const json& fixture() {
  static const json data = [] {
    auto path =
        std::filesystem::path(__FILE__).parent_path() / "fixtures" / "optim_trajectories.json";
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "cannot open ", path.string());
    return json::parse(in);
  }();
  return data;
}

Tensor f64(const json& values, const json& shape) {
  tg::DimVec dims;
  for (const json& d : shape) dims.push_back(d.get<int64_t>());
  return tg::from_vector<double>(values.get<std::vector<double>>(), dims);
}

std::unique_ptr<optim::Optimizer> make(const std::string& kind,
                                       std::vector<optim::ParamGroup> groups) {
  if (kind == "SGD") return std::make_unique<optim::SGD>(std::move(groups));
  if (kind == "Adam") return std::make_unique<optim::Adam>(std::move(groups));
  if (kind == "AdamW") return std::make_unique<optim::AdamW>(std::move(groups));
  if (kind == "Adagrad") return std::make_unique<optim::Adagrad>(std::move(groups));
  if (kind == "RMSprop") return std::make_unique<optim::RMSprop>(std::move(groups));
  if (kind == "SparseAdam") return std::make_unique<optim::SparseAdam>(std::move(groups));
  if (kind == "RowWiseAdagrad") return std::make_unique<optim::RowWiseAdagrad>(std::move(groups));
  FAIL("unknown optimizer ", kind);
  return nullptr;
}

// Largest |a - b| over two flat lists.
double max_diff(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(a[i] - b[i]));
  return d;
}

void run_case(const json& c) {
  const json& fx = fixture();
  const bool sparse = c["sparse"].get<bool>();
  std::vector<Tensor> params;
  if (sparse) {
    for (const json& init : fx["sparse_init"])
      params.push_back(f64(init, fx["sparse_shape"]).requires_grad_());
  } else {
    for (size_t i = 0; i < fx["dense_init"].size(); ++i)
      params.push_back(f64(fx["dense_init"][i], fx["dense_shapes"][i]).requires_grad_());
  }
  std::vector<optim::ParamGroup> groups;
  for (const json& g : c["groups"]) {
    optim::ParamGroup group;
    for (const json& i : g["params"]) group.params.push_back(params[i.get<size_t>()]);
    for (const auto& [key, value] : g["options"].items()) group.options[key] = value.get<double>();
    groups.push_back(std::move(group));
  }
  auto opt = make(c["optimizer"], std::move(groups));
  const json& trajectory = c["trajectory"];
  for (size_t step = 0; step < trajectory.size(); ++step) {
    for (size_t i = 0; i < params.size(); ++i) {
      Tensor& p = params[i];
      if (sparse) {
        Tensor rows = tg::from_vector<int64_t>(fx["sparse_rows"][step].get<std::vector<int64_t>>());
        Tensor values =
            tg::from_vector<double>(fx["sparse_values"][step][i].get<std::vector<double>>(),
                                    tg::DimVec{rows.numel(), p.size(1)});
        p.set_grad(tg::sparse_rows(rows, values, p.sizes()));
      } else {
        // The same two operations as the generator: coef * (p - target).
        Tensor coef = f64(fx["dense_coef"][i], fx["dense_shapes"][i]);
        Tensor target = f64(fx["dense_target"][i], fx["dense_shapes"][i]);
        p.set_grad(tg::mul(coef, tg::sub(p.detach(), target)));
      }
    }
    opt->step();
    for (size_t i = 0; i < params.size(); ++i) {
      double d =
          max_diff(params[i].to_vector<double>(), trajectory[step][i].get<std::vector<double>>());
      CHECK_MESSAGE(d <= kTol, c["name"].get<std::string>(), ": step ", step + 1, " parameter ", i,
                    " differs from PyTorch by ", d);
    }
  }
}

std::unique_ptr<optim::LRScheduler> make_scheduler(const json& c, optim::Optimizer& opt) {
  const std::string kind = c["scheduler"];
  const json& a = c["args"];
  if (kind == "StepLR")
    return std::make_unique<optim::StepLR>(opt, a["step_size"].get<int64_t>(),
                                           a["gamma"].get<double>());
  if (kind == "MultiStepLR")
    return std::make_unique<optim::MultiStepLR>(opt, a["milestones"].get<std::vector<int64_t>>(),
                                                a["gamma"].get<double>());
  if (kind == "ExponentialLR")
    return std::make_unique<optim::ExponentialLR>(opt, a["gamma"].get<double>());
  if (kind == "CosineAnnealingLR")
    return std::make_unique<optim::CosineAnnealingLR>(opt, a["T_max"].get<int64_t>(),
                                                      a["eta_min"].get<double>());
  if (kind == "LinearWarmup")
    return std::make_unique<optim::LinearWarmup>(opt, a["warmup_steps"].get<int64_t>(),
                                                 a["start_factor"].get<double>());
  FAIL("unknown scheduler ", kind);
  return nullptr;
}

}  // namespace

TEST_CASE("optim parity: the fixture was generated by PyTorch") {
  const json& fx = fixture();
  CHECK(fx["torch_version"].get<std::string>().size() > 0);
  CHECK(fx["optimizers"].size() >= 20);
}

TEST_CASE("optim parity: optimizer trajectories match PyTorch within 1e-6") {
  for (const json& c : fixture()["optimizers"]) {
    SUBCASE(c["name"].get<std::string>().c_str()) { run_case(c); }
  }
}

TEST_CASE("optim parity: scheduler lr sequences and SGD trajectories match PyTorch") {
  for (const json& c : fixture()["schedulers"]) {
    SUBCASE(c["name"].get<std::string>().c_str()) {
      Tensor p = tg::from_vector<double>({1.0, -2.0}).requires_grad_();
      optim::SGD opt({p}, {.lr = c["base_lr"].get<double>()});
      auto sched = make_scheduler(c, opt);
      const auto lrs = c["lrs"].get<std::vector<double>>();
      const json& trajectory = c["trajectory"];
      CHECK(sched->get_last_lr()[0] == doctest::Approx(lrs[0]).epsilon(1e-12));
      for (size_t k = 0; k < trajectory.size(); ++k) {
        p.set_grad(tg::add(tg::mul(p.detach(), 0.5), 1.0));
        opt.step();
        CHECK(max_diff(p.to_vector<double>(), trajectory[k].get<std::vector<double>>()) <= kTol);
        sched->step();
        CHECK_MESSAGE(std::abs(sched->get_last_lr()[0] - lrs[k + 1]) <= 1e-12, "epoch ", k + 1);
        CHECK(opt.param_groups()[0].lr() == sched->get_last_lr()[0]);
      }
    }
  }
}

TEST_CASE("optim parity: clip_grad_norm_ matches PyTorch") {
  const json& fx = fixture();
  for (const json& c : fx["clip_grad_norm"]) {
    SUBCASE(c["name"].get<std::string>().c_str()) {
      std::vector<Tensor> params;
      for (size_t i = 0; i < fx["dense_shapes"].size(); ++i) {
        Tensor p = f64(fx["dense_init"][i], fx["dense_shapes"][i]).requires_grad_();
        p.set_grad(f64(c["grads"][i], fx["dense_shapes"][i]));
        params.push_back(p);
      }
      const double norm_type = c["norm_type"].is_string() ? INFINITY : c["norm_type"].get<double>();
      double total = optim::clip_grad_norm_(params, c["max_norm"].get<double>(), norm_type);
      CHECK(total == doctest::Approx(c["total_norm"].get<double>()).epsilon(1e-12));
      for (size_t i = 0; i < params.size(); ++i)
        CHECK(max_diff(params[i].grad().to_vector<double>(),
                       c["clipped"][i].get<std::vector<double>>()) <= kTol);
    }
  }
}
