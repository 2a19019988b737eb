// tests/test_smoke.cpp — the first end-to-end checks: create, view, compute, print.
#include <doctest/doctest.h>

#include <tapegrad/tapegrad.h>

TEST_CASE("smoke: arange, view, transpose, matmul") {
  tg::Tensor x = tg::arange(0, 6, 1, tg::kFloat32).view({2, 3});
  CHECK(x.sizes() == tg::DimVec{2, 3});
  CHECK(x.t().strides() == tg::DimVec{1, 3});
  tg::Tensor g = tg::matmul(x, x.t());
  CHECK(g.to_vector<float>() == std::vector<float>{5, 14, 14, 50});
  CHECK(x.str() == "tensor([[0., 1., 2.],\n        [3., 4., 5.]], dtype=float32)");
}
