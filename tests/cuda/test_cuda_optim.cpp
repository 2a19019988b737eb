// tests/cuda/test_cuda_optim.cpp — optimizer steps on the GPU equal the CPU's (float32, tolerances
// of cuda_test_util.h scaled by 10 for five compounding steps), dense and sparse-rows gradients.
#include <functional>
#include <memory>

#include "cuda_test_util.h"

namespace {

using tg::Tensor;
using tgc::kCpu;
using tgc::kGpu;
namespace optim = tg::optim;

using Factory = std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)>;

// Five steps of `make`'s optimizer on the same parameters and gradients on both devices.
void check_steps(const std::string& name, const Factory& make, bool sparse) {
  CAPTURE(name);
  tg::Generator gen(31);
  Tensor w0 = tg::randn({20, 6}, &gen);
  Tensor wc = w0.clone().requires_grad_(), wg = w0.to(kGpu).requires_grad_();
  auto oc = make({wc}), og = make({wg});
  for (int s = 0; s < 5; ++s) {
    Tensor ids = tg::randint(0, 20, {12}, &gen);  // repeats: sparse gradients need coalescing
    Tensor up = tg::randn({12, 6}, &gen);
    for (auto [w, o, dev] : {std::tuple{wc, oc.get(), kCpu}, std::tuple{wg, og.get(), kGpu}}) {
      o->zero_grad();
      Tensor out = tg::embedding(w, ids.to(dev), sparse);
      (out * up.to(dev)).sum().backward();
      CHECK(w.grad().is_sparse() == sparse);
      o->step();
    }
  }
  tgc::check_close(wg, wc, name + " parameters after 5 steps", 10.0);
}

}  // namespace

TEST_CASE("cuda: dense optimizer steps equal the CPU's") {
  check_steps("SGD momentum nesterov", [](std::vector<Tensor> p) {
    return std::make_unique<optim::SGD>(p, optim::SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
  }, false);
  check_steps("Adam amsgrad", [](std::vector<Tensor> p) {
    return std::make_unique<optim::Adam>(p, optim::AdamOptions{.lr = 0.01, .weight_decay = 0.1, .amsgrad = true});
  }, false);
  check_steps("Adam (fused on the GPU)", [](std::vector<Tensor> p) {
    return std::make_unique<optim::Adam>(p, optim::AdamOptions{.lr = 0.01, .weight_decay = 0.1});
  }, false);
  check_steps("AdamW (fused on the GPU)", [](std::vector<Tensor> p) {
    return std::make_unique<optim::AdamW>(p, optim::AdamWOptions{.lr = 0.01});
  }, false);
  check_steps("Adagrad", [](std::vector<Tensor> p) {
    return std::make_unique<optim::Adagrad>(p, optim::AdagradOptions{.lr = 0.1, .lr_decay = 0.01});
  }, false);
  check_steps("RMSprop centered", [](std::vector<Tensor> p) {
    return std::make_unique<optim::RMSprop>(p, optim::RMSpropOptions{.lr = 0.01, .momentum = 0.5, .centered = true});
  }, false);
  check_steps("RowWiseAdagrad dense", [](std::vector<Tensor> p) {
    return std::make_unique<optim::RowWiseAdagrad>(p, optim::RowWiseAdagradOptions{.lr = 0.1});
  }, false);
}

TEST_CASE("cuda: sparse-rows gradients and their optimizers equal the CPU's") {
  check_steps("SparseAdam (fused on the GPU)", [](std::vector<Tensor> p) {
    return std::make_unique<optim::SparseAdam>(p, optim::SparseAdamOptions{.lr = 0.01});
  }, true);
  check_steps("RowWiseAdagrad sparse", [](std::vector<Tensor> p) {
    return std::make_unique<optim::RowWiseAdagrad>(p, optim::RowWiseAdagradOptions{.lr = 0.1, .weight_decay = 0.01});
  }, true);
  check_steps("Adagrad sparse", [](std::vector<Tensor> p) {
    return std::make_unique<optim::Adagrad>(p, optim::AdagradOptions{.lr = 0.1});
  }, true);
  check_steps("SGD sparse", [](std::vector<Tensor> p) {
    return std::make_unique<optim::SGD>(p, optim::SGDOptions{.lr = 0.1});
  }, true);
}

TEST_CASE("cuda: a sparse embedding gradient coalesces on the GPU like on the CPU") {
  tg::Generator gen(2);
  Tensor w = tg::randn({100, 4}, &gen);
  Tensor ids = tg::randint(0, 100, {500}, &gen);
  Tensor up = tg::randn({500, 4}, &gen);
  Tensor wc = w.clone().requires_grad_(), wg = w.to(kGpu).requires_grad_();
  (tg::embedding(wc, ids, true) * up).sum().backward();
  (tg::embedding(wg, ids.to(kGpu), true) * up.to(kGpu)).sum().backward();
  Tensor cc = wc.grad().coalesce(), gc = wg.grad().coalesce();
  tgc::check_equal(gc.indices(), cc.indices(), "coalesced rows");
  tgc::check_equal(gc.values(), cc.values(), "coalesced values (deterministic index_add)");
}
