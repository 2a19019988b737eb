// tests/test_sparse_grad.cpp — sparse-rows gradients of embedding lookups: equal to the dense
// gradient, accumulate sparse+sparse and sparse+dense, coalesce, never build the dense gradient.
#include <doctest/doctest.h>

#include <tapegrad/tapegrad.h>

using tg::Tensor;

namespace {
Tensor ids(std::vector<int64_t> v) { return tg::from_vector<int64_t>(v); }
}  // namespace

TEST_CASE("sparse grad: embedding(sparse) equals the dense gradient") {
  tg::Generator gen(5);
  Tensor w = tg::randn({6, 3}, &gen).requires_grad_();
  Tensor w2 = w.detach().clone().requires_grad_();
  Tensor i = ids({5, 1, 5, 0});
  Tensor up = tg::randn({4, 3}, &gen);
  (tg::embedding(w, i, true) * up).sum().backward();
  (tg::embedding(w2, i) * up).sum().backward();
  Tensor g = w.grad();
  REQUIRE(g.is_sparse());
  CHECK_FALSE(w2.grad().is_sparse());
  CHECK(g.sizes() == tg::DimVec{6, 3});
  CHECK(g.indices().to_vector<int64_t>() == std::vector<int64_t>{5, 1, 5, 0});
  CHECK(g.values().sizes() == tg::DimVec{4, 3});
  CHECK(tg::allclose(g.to_dense(), w2.grad()));
}

TEST_CASE("sparse grad: coalesce sorts, merges duplicates and keeps the dense value") {
  Tensor v = tg::from_vector<float>({1, 2, 3, 4, 5, 6}, tg::DimVec{3, 2});
  Tensor s = tg::sparse_rows(ids({4, 1, 4}), v, {5, 2});
  CHECK_FALSE(s.is_coalesced());
  Tensor c = s.coalesce();
  CHECK(c.is_coalesced());
  CHECK(c.indices().to_vector<int64_t>() == std::vector<int64_t>{1, 4});
  CHECK(c.values().to_vector<float>() == std::vector<float>{3, 4, 6, 8});
  CHECK(tg::equal(c.to_dense(), s.to_dense()));
}

TEST_CASE("sparse grad: two backward passes accumulate sparse + sparse, then dense + sparse") {
  Tensor w = tg::ones({4, 2}).requires_grad_();
  tg::embedding(w, ids({1}), true).sum().backward();
  tg::embedding(w, ids({3, 1}), true).sum().backward();
  REQUIRE(w.grad().is_sparse());
  CHECK(w.grad().to_dense().to_vector<float>() == std::vector<float>{0, 0, 2, 2, 0, 0, 1, 1});
  // A dense use of the same weight makes the accumulated gradient dense.
  (w * 1.0f).sum().backward();
  CHECK_FALSE(w.grad().is_sparse());
  CHECK(w.grad().to_vector<float>() == std::vector<float>{1, 1, 3, 3, 1, 1, 2, 2});
}

TEST_CASE("sparse grad: one weight used twice in one graph sums both lookups") {
  Tensor w = tg::ones({5, 2}).requires_grad_();
  Tensor y = tg::embedding(w, ids({0, 2}), true).sum() + tg::embedding(w, ids({2}), true).sum();
  y.backward();
  REQUIRE(w.grad().is_sparse());
  CHECK(w.grad().to_dense().to_vector<float>() == std::vector<float>{1, 1, 0, 0, 2, 2, 0, 0, 0, 0});
}

TEST_CASE("sparse grad: dense ops on a sparse tensor throw a clear error") {
  Tensor s = tg::sparse_rows(ids({0}), tg::ones({1, 2}), {3, 2});
  CHECK_THROWS_WITH_AS(s + s, doctest::Contains("to_dense()"), tg::Error);
  CHECK_THROWS_WITH_AS(s.view({6}), doctest::Contains("sparse"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::sparse_rows(ids({3}), tg::ones({1, 2}), {3, 2}),
                       doctest::Contains("out of bounds"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::sparse_rows(ids({0, 1}), tg::ones({1, 2}), {3, 2}),
                       doctest::Contains("do not match"), tg::Error);
  CHECK(s.str().find("layout=sparse_rows") != std::string::npos);
}

TEST_CASE("sparse grad: a lookup in a 1M-row table never allocates the dense gradient") {
  const int64_t rows = 1000000, dim = 16;  // the dense gradient would be 64 MB
  Tensor w = tg::zeros({rows, dim}).requires_grad_();
  Tensor i = tg::randint(0, rows, {1024});
  tg::reset_peak_memory_stats();
  const int64_t before = tg::memory_stats().allocated_bytes;
  tg::embedding(w, i, true).sum().backward();
  const int64_t peak = tg::memory_stats().peak_allocated_bytes - before;
  CHECK(w.grad().is_sparse());
  CHECK(peak < rows * dim * 4 / 8);  // a few batch-sized buffers, far below the table size
  CHECK(peak > 1024 * dim * 4);      // ...but it did hold the [1024, 16] gradient rows
}
