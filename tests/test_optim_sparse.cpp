// tests/test_optim_sparse.cpp — sparse-rows gradients: only present rows change, and optimizers
// that cannot take them say so.
#include <cstring>
#include <string>

#include <doctest/doctest.h>
#include <tapegrad/tapegrad.h>

namespace optim = tg::optim;
using tg::Tensor;

namespace {

Tensor ids(std::vector<int64_t> v) { return tg::from_vector<int64_t>(v); }

// An embedding table [8, 3] whose gradient touches rows 6, 1 and 6 again (through autograd).
Tensor table_with_sparse_grad(tg::Generator& gen) {
  Tensor w = tg::randn({8, 3}, &gen).requires_grad_();
  Tensor up = tg::randn({3, 3}, &gen);
  (tg::embedding(w, ids({6, 1, 6}), true) * up).sum().backward();
  REQUIRE(w.grad().is_sparse());
  return w;
}

// Steps `opt` twice (fresh sparse gradients each time) and checks that only rows 1 and 6 moved,
// untouched rows bitwise.
template <class Opt, class Options>
void check_only_present_rows(Options options) {
  tg::Generator gen(3);
  Tensor w = table_with_sparse_grad(gen);
  Tensor before = w.detach().clone();
  Opt opt({w}, options);
  opt.step();
  opt.zero_grad();
  Tensor up = tg::randn({2, 3}, &gen);
  (tg::embedding(w, ids({1, 6}), true) * up).sum().backward();
  opt.step();
  for (int64_t r = 0; r < 8; ++r) {
    Tensor now = w.detach()[r], then = before[r];
    bool same = std::memcmp(now.data_ptr(), then.data_ptr(), now.nbytes()) == 0;
    if (r == 1 || r == 6) {
      CHECK_MESSAGE(!same, "row ", r, " should have moved");
    } else {
      CHECK_MESSAGE(same, "row ", r, " should be bitwise unchanged");
    }
  }
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const tg::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("optim sparse: updates touch only the rows present in the gradient") {
  check_only_present_rows<optim::SGD>(optim::SGDOptions{.lr = 0.1});
  check_only_present_rows<optim::Adagrad>(optim::AdagradOptions{.lr = 0.1});
  check_only_present_rows<optim::SparseAdam>(optim::SparseAdamOptions{.lr = 0.1});
  check_only_present_rows<optim::RowWiseAdagrad>(optim::RowWiseAdagradOptions{.lr = 0.1});
}

TEST_CASE("optim sparse: SparseAdam leaves the moments of absent rows alone (lazy)") {
  tg::Generator gen(4);
  Tensor w = table_with_sparse_grad(gen);
  optim::SparseAdam opt({w}, {.lr = 0.1});
  opt.step();
  const optim::ParamState* s = opt.state(w);
  REQUIRE(s != nullptr);
  std::vector<float> m = s->tensors.at("exp_avg").to_vector<float>();
  for (int64_t r : {0, 2, 3, 4, 5, 7})
    for (int64_t d = 0; d < 3; ++d) CHECK(m[r * 3 + d] == 0.0f);
  CHECK(m[1 * 3] != 0.0f);
}

TEST_CASE("optim sparse: sparse and dense gradients give the same update where both apply") {
  tg::Generator gen(9);
  Tensor w = table_with_sparse_grad(gen);
  Tensor dense_w = w.detach().clone().requires_grad_();
  dense_w.set_grad(w.grad().to_dense());
  // Adagrad and SGD: the dense update changes untouched rows by exactly 0, so the two agree.
  optim::Adagrad sparse_opt({w}, {.lr = 0.1});
  optim::Adagrad dense_opt({dense_w}, {.lr = 0.1});
  sparse_opt.step();
  dense_opt.step();
  CHECK(tg::allclose(w, dense_w, 1e-6, 1e-7));
  Tensor rw = w.detach().clone().requires_grad_(), rd = w.detach().clone().requires_grad_();
  rw.set_grad(w.grad());
  rd.set_grad(w.grad().to_dense());
  optim::RowWiseAdagrad ra({rw}), rb({rd});
  ra.step();
  rb.step();
  CHECK(tg::allclose(rw, rd, 1e-6, 1e-7));
  CHECK(ra.state(rw)->tensors.at("sum").sizes() == tg::DimVec{8});
}

TEST_CASE("optim sparse: dense-only optimizers name the parameter and the alternatives") {
  tg::Generator gen(5);
  Tensor dense = tg::randn({2}, &gen).requires_grad_();
  dense.set_grad(tg::ones({2}));
  Tensor w = table_with_sparse_grad(gen);
  auto check_message = [](const std::string& msg, const std::string& opt) {
    CAPTURE(msg);
    CHECK(msg.rfind(opt + ":", 0) == 0);
    CHECK(msg.find("parameter 0 of group 1 (shape [8, 3])") != std::string::npos);
    CHECK(msg.find("SparseAdam") != std::string::npos);
    CHECK(msg.find("RowWiseAdagrad") != std::string::npos);
  };
  auto groups = [&] { return std::vector<optim::ParamGroup>{{{dense}, {}}, {{w}, {}}}; };
  check_message(error_of([&] { optim::Adam(groups()).step(); }), "Adam");
  check_message(error_of([&] { optim::AdamW(groups()).step(); }), "AdamW");
  check_message(error_of([&] { optim::RMSprop(groups()).step(); }), "RMSprop");
  std::string msg = error_of([&] { optim::SGD(groups(), {.lr = 0.1, .momentum = 0.9}).step(); });
  check_message(msg, "SGD");
  CHECK(msg.find("momentum") != std::string::npos);
  msg = error_of([&] { optim::SGD(groups(), {.lr = 0.1, .weight_decay = 0.1}).step(); });
  check_message(msg, "SGD");
  CHECK(msg.find("weight_decay") != std::string::npos);
  msg = error_of([&] { optim::Adagrad(groups(), {.weight_decay = 0.1}).step(); });
  check_message(msg, "Adagrad");
  // SparseAdam refuses the dense parameter.
  msg = error_of([&] { optim::SparseAdam(groups()).step(); });
  CAPTURE(msg);
  CHECK(msg.rfind("SparseAdam:", 0) == 0);
  CHECK(msg.find("parameter 0 of group 0 (shape [2])") != std::string::npos);
  CHECK(msg.find("dense gradient") != std::string::npos);
}

TEST_CASE("optim sparse: clip_grad_norm_ and clip_grad_value_ work on sparse gradients") {
  tg::Generator gen(6);
  Tensor w = table_with_sparse_grad(gen);
  Tensor d = w.detach().clone().requires_grad_();
  d.set_grad(w.grad().to_dense());
  double ns = optim::clip_grad_norm_({w}, 0.5);
  double nd = optim::clip_grad_norm_({d}, 0.5);
  CHECK(ns == doctest::Approx(nd).epsilon(1e-6));
  REQUIRE(w.grad().is_sparse());
  CHECK(tg::allclose(w.grad().to_dense(), d.grad(), 1e-5, 1e-6));
  optim::clip_grad_value_({w}, 0.05);
  optim::clip_grad_value_({d}, 0.05);
  REQUIRE(w.grad().is_sparse());
  CHECK(tg::allclose(w.grad().to_dense(), d.grad(), 1e-5, 1e-6));
}
