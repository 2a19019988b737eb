// tests/test_linalg_solve.cpp — batched SPD solves (used by ALS): values, shapes, errors.
#include <doctest/doctest.h>

#include <tapegrad/tapegrad.h>

TEST_CASE("cholesky_solve_spd: batched systems recover known solutions") {
  tg::Generator gen(11);
  for (tg::DType dt : {tg::kFloat32, tg::kFloat64}) {
    tg::Tensor m = tg::randn({5, 4, 4}, &gen, dt);
    tg::Tensor a = tg::matmul(m, m.transpose(1, 2)) + tg::eye(4, std::nullopt, dt) * 0.5;
    tg::Tensor x = tg::randn({5, 4, 3}, &gen, dt);
    tg::Tensor b = tg::matmul(a, x);
    tg::Tensor got = tg::cholesky_solve_spd(a, b);
    CHECK(got.sizes() == tg::DimVec{5, 4, 3});
    CHECK(tg::allclose(got, x, 1e-3, 1e-3));
    tg::Tensor bv = tg::matmul(a, x.select(2, 0).unsqueeze(-1)).squeeze(-1);  // vector right-hand side
    CHECK(tg::allclose(tg::cholesky_solve_spd(a, bv), x.select(2, 0), 1e-3, 1e-3));
  }
}

TEST_CASE("cholesky_solve_spd: errors") {
  tg::Tensor not_spd = tg::tensor({1, 2, 2, 1}).view({2, 2});  // eigenvalues 3 and -1
  CHECK_THROWS_WITH_AS(tg::cholesky_solve_spd(not_spd, tg::ones({2})),
                       doctest::Contains("not symmetric positive definite"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::cholesky_solve_spd(tg::eye(3), tg::ones({2})),
                       doctest::Contains("does not match"), tg::Error);
  tg::Tensor a = tg::eye(2).requires_grad_();
  CHECK_THROWS_WITH_AS(tg::cholesky_solve_spd(a, tg::ones({2})),
                       doctest::Contains("not differentiable"), tg::Error);
}
