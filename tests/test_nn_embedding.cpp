// tests/test_nn_embedding.cpp — Embedding and EmbeddingBag: lookups and bags against hand-computed
// values, padding_idx (zero gradient), max_norm (in-place renorm), sparse gradients equal to the
// dense ones, and gradchecks of embedding_bag (sum, mean, per-sample weights).
#include <doctest/doctest.h>
#include <tapegrad/tapegrad.h>

#include "tensor_test_util.h"

namespace {

namespace F = tg::nn::F;
using In = std::vector<tg::Tensor>;
using tg::Tensor;
using tg::nn::EmbeddingBagMode;
using tgt::check_values;
using tgt::make;

Tensor ids(std::vector<int64_t> v, std::optional<tg::DimVec> shape = std::nullopt) {
  return tg::from_vector<int64_t>(v, shape);
}

// weight [5, 2] = [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]
Tensor table(tg::DType dt = tg::kFloat32) { return tg::arange(10).reshape({5, 2}).to(dt); }

}  // namespace

TEST_CASE("nn embedding: lookup, shapes and padding_idx") {
  Tensor w = table();
  Tensor out = F::embedding(w, ids({0, 2, 4, 4}, tg::DimVec{2, 2}));
  CHECK(out.sizes() == tg::DimVec{2, 2, 2});
  check_values(out, {0, 1, 4, 5, 8, 9, 8, 9});

  tg::Generator gen(1);
  tg::nn::Embedding emb(5, 3, /*padding_idx=*/1, std::nullopt, false, &gen);
  check_values(emb.weight[1], {0, 0, 0});  // the padding row starts at zero
  CHECK(emb.extra_repr() == "5, 3, padding_idx=1");
  emb(ids({1, 2, 1, 3})).sum().backward();
  check_values(emb.weight.grad(), {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0});
  // A negative padding_idx counts from the end.
  tg::nn::Embedding neg(5, 2, -1, std::nullopt, false, &gen);
  CHECK(*neg.padding_idx == 4);
  Tensor w2 = table(tg::kFloat64).requires_grad_();
  (F::embedding(w2, ids({4, 0, 4}), -1) * 2.0).sum().backward();
  check_values(w2.grad(), {2, 2, 0, 0, 0, 0, 0, 0, 0, 0});
}

TEST_CASE("nn embedding: max_norm renormalises the looked-up rows in place") {
  Tensor w = make({3, 4, 0.3, 0.4, 0, 10}, {3, 2}).requires_grad_();
  Tensor out = F::embedding(w, ids({0, 1, 0}), std::nullopt, 1.0);
  check_values(out, {0.6, 0.8, 0.3, 0.4, 0.6, 0.8}, 1e-5);
  check_values(w, {0.6, 0.8, 0.3, 0.4, 0, 10}, 1e-5);  // row 2 was not looked up
  CHECK(w.is_leaf());
  out.sum().backward();
  check_values(w.grad(), {2, 2, 1, 1, 0, 0});
  tg::nn::Embedding emb(4, 3, std::nullopt, 0.5);
  emb(ids({0, 1, 2, 3}));
  std::vector<double> norms = tg::norm(emb.weight, 2.0, {1}).to_vector<double>();
  for (double n : norms) CHECK(n <= 0.5 + 1e-5);
}

TEST_CASE("nn embedding: sparse gradient equals the dense one") {
  tg::Generator gen(9);
  tg::nn::Embedding dense(10, 4, std::nullopt, std::nullopt, false, &gen);
  tg::nn::Embedding sparse(10, 4, std::nullopt, std::nullopt, true, &gen);
  {
    tg::NoGradGuard no_grad;
    sparse.weight.copy_(dense.weight.detach());
  }
  CHECK(sparse.extra_repr() == "10, 4, sparse=true");
  Tensor batch = ids({1, 3, 1, 7, 9, 3}, tg::DimVec{2, 3});
  Tensor mix = tg::randn({2, 3, 4}, &gen);
  (dense(batch) * mix).sum().backward();
  (sparse(batch) * mix).sum().backward();
  REQUIRE(sparse.weight.grad().is_sparse());
  CHECK(sparse.weight.grad().indices().numel() == 6);  // one row per lookup, never [10, 4]
  CHECK(tg::allclose(sparse.weight.grad().to_dense(), dense.weight.grad(), 1e-6, 1e-6));
  // padding_idx with a sparse gradient: the padding rows carry zeros.
  tg::nn::Embedding padded(10, 4, 3, std::nullopt, true, &gen);
  (padded(batch) * mix).sum().backward();
  Tensor g = padded.weight.grad().to_dense();
  check_values(g[3], {0, 0, 0, 0});
  CHECK(tg::allclose(g[1], dense.weight.grad()[1], 1e-6, 1e-6));
}

TEST_CASE("nn embedding_bag: sum, mean, empty bags, per-sample weights and 2-D ids") {
  Tensor w = table();
  Tensor flat = ids({0, 1, 2, 4});
  Tensor offsets = ids({0, 2, 2});  // bags {0, 1}, {}, {2, 4}
  check_values(F::embedding_bag(w, flat, offsets, EmbeddingBagMode::Sum), {2, 4, 0, 0, 12, 14});
  check_values(F::embedding_bag(w, flat, offsets, EmbeddingBagMode::Mean), {1, 2, 0, 0, 6, 7});
  check_values(F::embedding_bag(w, flat, offsets, EmbeddingBagMode::Sum, make({1, 2, 0.5, 1}, {4})),
               {4, 7, 0, 0, 10, 11.5});
  Tensor y2 =
      F::embedding_bag(w, ids({0, 1, 2, 4}, tg::DimVec{2, 2}), Tensor(), EmbeddingBagMode::Sum);
  CHECK(y2.sizes() == tg::DimVec{2, 2});
  check_values(y2, {2, 4, 12, 14});
  CHECK_THROWS_WITH_AS(F::embedding_bag(w, flat, ids({1, 2})), doctest::Contains("offsets[0]"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(F::embedding_bag(w, flat, ids({0, 3, 2})),
                       doctest::Contains("non-decreasing"), tg::Error);
  CHECK_THROWS_WITH_AS(
      F::embedding_bag(w, flat, offsets, EmbeddingBagMode::Mean, make({1, 1, 1, 1}, {4})),
      doctest::Contains("per_sample_weights need mode Sum"), tg::Error);
  tg::nn::EmbeddingBag bag(5, 2, EmbeddingBagMode::Sum);
  {
    tg::NoGradGuard no_grad;
    bag.weight.copy_(w);
  }
  check_values(bag(flat, offsets), {2, 4, 0, 0, 12, 14});
  CHECK(bag.repr() == "EmbeddingBag(5, 2, mode=sum)");
}

TEST_CASE("nn embedding_bag: gradcheck incl. per-sample weights") {
  tg::Generator gen(4);
  Tensor w = tg::randn({6, 3}, &gen, tg::kFloat64).requires_grad_();
  Tensor psw = tg::randn({5}, &gen, tg::kFloat64).requires_grad_();
  Tensor flat = ids({0, 5, 5, 2, 0});
  Tensor offsets = ids({0, 1, 1, 4});
  for (EmbeddingBagMode mode : {EmbeddingBagMode::Sum, EmbeddingBagMode::Mean})
    CHECK(tg::autograd::gradcheck(
        [&](const In& in) { return F::embedding_bag(in[0], flat, offsets, mode); }, {w}));
  CHECK(tg::autograd::gradcheck(
      [&](const In& in) {
        return F::embedding_bag(in[0], flat, offsets, EmbeddingBagMode::Sum, in[1]);
      },
      {w, psw}));
}

TEST_CASE("nn embedding_bag: sparse gradient equals the dense one") {
  tg::Generator gen(12);
  tg::nn::EmbeddingBag dense(8, 3, EmbeddingBagMode::Mean, false, &gen);
  tg::nn::EmbeddingBag sparse(8, 3, EmbeddingBagMode::Mean, true, &gen);
  {
    tg::NoGradGuard no_grad;
    sparse.weight.copy_(dense.weight.detach());
  }
  Tensor flat = ids({7, 1, 1, 4, 0});
  Tensor offsets = ids({0, 3});
  Tensor mix = tg::randn({2, 3}, &gen);
  (dense(flat, offsets) * mix).sum().backward();
  (sparse(flat, offsets) * mix).sum().backward();
  REQUIRE(sparse.weight.grad().is_sparse());
  CHECK(tg::allclose(sparse.weight.grad().to_dense(), dense.weight.grad(), 1e-6, 1e-6));
  // Per-sample weights (mode Sum) with a sparse gradient.
  tg::nn::EmbeddingBag sum_sparse(8, 3, EmbeddingBagMode::Sum, true, &gen);
  Tensor psw = make({1, 2, 3, 4, 5}, {5});
  (sum_sparse(flat, offsets, psw) * mix).sum().backward();
  Tensor w = sum_sparse.weight.detach().requires_grad_();
  (F::embedding_bag(w, flat, offsets, EmbeddingBagMode::Sum, psw) * mix).sum().backward();
  CHECK(tg::allclose(sum_sparse.weight.grad().to_dense(), w.grad(), 1e-6, 1e-6));
}
