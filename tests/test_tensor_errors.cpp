// tests/test_tensor_errors.cpp — invalid calls throw tg::Error naming the op and the broken rule
// (broadcasting, dims, views, sizes, factories, item, dtype rules, undefined tensors).
#include "tensor_test_util.h"

using tgt::make;

TEST_CASE("errors: tg::Error is a std::runtime_error") {
  try {
    tg::add(tg::zeros({2}), tg::zeros({3}));
    FAIL("expected a throw");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) ==
          "add: shapes [2] and [3] cannot be broadcast together (dimension 0: 2 vs 3)");
  }
}

TEST_CASE("errors: broadcasting shape mismatches name the op") {
  tg::Tensor a = tg::zeros({2, 3}), b = tg::zeros({4, 3});
  CHECK_THROWS_WITH_AS(a + b, "add: shapes [2, 3] and [4, 3] cannot be broadcast together (dimension 0: 2 vs 4)",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::mul(a, tg::zeros({2})), doctest::Contains("mul: shapes [2, 3] and [2]"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::sub(a, b), doctest::Contains("sub: shapes"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::div(a, b), doctest::Contains("div: shapes"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::eq(a, b), doctest::Contains("eq: shapes"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::maximum(a, b), doctest::Contains("maximum: shapes"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::pow(a, b), doctest::Contains("pow: shapes"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::logical_and(a, b), doctest::Contains("logical_and: shapes"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::allclose(a, b), doctest::Contains("allclose: shapes"), tg::Error);
}

TEST_CASE("errors: dims out of range in view ops") {
  tg::Tensor x = tg::zeros({2, 3});
  CHECK_THROWS_WITH_AS(x.transpose(0, 2),
                       "transpose: dim 2 is out of range for a tensor with 2 dimension(s) (expected in [-2, 1])",
                       tg::Error);
  CHECK_THROWS_WITH_AS(x.permute({0}), doctest::Contains("permute: number of dims in [0] does not match"), tg::Error);
  CHECK_THROWS_WITH_AS(x.permute({0, 0}), doctest::Contains("permute: dim 0 repeats in [0, 0]"), tg::Error);
  CHECK_THROWS_WITH_AS(x.permute({0, 2}), doctest::Contains("permute: dim 2 is out of range"), tg::Error);
  CHECK_THROWS_WITH_AS(x.narrow(1, 2, 2), "narrow: start 2 + length 2 exceeds dimension 1 of size 3", tg::Error);
  CHECK_THROWS_WITH_AS(x.narrow(-3, 0, 1), doctest::Contains("narrow: dim -3 is out of range"), tg::Error);
  CHECK_THROWS_WITH_AS(x.select(0, 2), "select: index 2 is out of range for dimension 0 with size 2", tg::Error);
  CHECK_THROWS_WITH_AS(x.select(1, -4), doctest::Contains("select: index -4 is out of range"), tg::Error);
  CHECK_THROWS_WITH_AS(x[5], doctest::Contains("select: index 5"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::scalar_tensor(1).select(0, 0), doctest::Contains("select: cannot select from a 0-dim"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(x.slice(0, 0, 2, 0), "slice: step must be positive, got 0", tg::Error);
  CHECK_THROWS_WITH_AS(x.slice(2, 0, 1), doctest::Contains("slice: dim 2 is out of range"), tg::Error);
  CHECK_THROWS_WITH_AS(x.unsqueeze(3), doctest::Contains("unsqueeze: dim 3 is out of range"), tg::Error);
  CHECK_THROWS_WITH_AS(x.squeeze(2), doctest::Contains("squeeze: dim 2 is out of range"), tg::Error);
  CHECK_THROWS_WITH_AS(x.flatten(1, 0), "flatten: start_dim 1 must not come after end_dim 0", tg::Error);
  CHECK_THROWS_WITH_AS(tg::zeros({2, 2, 2}).t(), doctest::Contains("t: expects a tensor with <= 2 dimensions, got 3"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(x.stride(-3), doctest::Contains("stride: dim -3"), tg::Error);
}

TEST_CASE("errors: view, reshape and expand rules") {
  tg::Tensor x = tg::zeros({2, 3});
  CHECK_THROWS_WITH_AS(x.view({4}), "view: shape [4] is invalid for input of size 6 (shape [2, 3])", tg::Error);
  CHECK_THROWS_WITH_AS(x.view({-1, -1}), doctest::Contains("view: only one dimension can be inferred"), tg::Error);
  CHECK_THROWS_WITH_AS(x.view({-1, 4}), doctest::Contains("view: shape [-1, 4] is invalid for input of size 6"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(x.reshape({5, -1}), doctest::Contains("reshape: shape [5, -1] is invalid"), tg::Error);
  CHECK_THROWS_WITH_AS(x.view({-2, 3}), doctest::Contains("view: invalid size -2"), tg::Error);
  CHECK_THROWS_WITH_AS(x.t().view({6}),
                       "view: size [6] is not compatible with the input's strides (shape [3, 2], strides [1, 3]); "
                       "use reshape() instead, which copies when needed",
                       tg::Error);
  CHECK_THROWS_WITH_AS(x.expand({3, 3}),
                       "expand: cannot expand shape [2, 3] to [3, 3] (dimension 0: size 2 is not 1 and differs from 3)",
                       tg::Error);
  CHECK_THROWS_WITH_AS(x.expand({3}), doctest::Contains("expand: the target shape [3] has fewer dimensions"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(x.expand({-1, 2, 3}), doctest::Contains("expand: size -1 is not allowed in a leading"),
                       tg::Error);
}

TEST_CASE("errors: more than 8 dimensions") {
  CHECK_THROWS_WITH_AS(tg::zeros({1, 1, 1, 1, 1, 1, 1, 1, 1}),
                       "tensor: at most 8 dimensions are supported, got 9", tg::Error);
  tg::Tensor x = tg::zeros({1, 1, 1, 1, 1, 1, 1, 1});
  CHECK(x.dim() == 8);
  CHECK_THROWS_WITH_AS(x.unsqueeze(0), doctest::Contains("at most 8 dimensions"), tg::Error);
  CHECK_THROWS_WITH_AS(x.view({1, 1, 1, 1, 1, 1, 1, 1, 1}), doctest::Contains("at most 8 dimensions"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::stack({x, x}), doctest::Contains("at most 8 dimensions"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::one_hot(tg::zeros({1, 1, 1, 1, 1, 1, 1, 1}, tg::kInt64), 2),
                       doctest::Contains("at most 8 dimensions"), tg::Error);
}

TEST_CASE("errors: item, data and undefined tensors") {
  CHECK_THROWS_WITH_AS(tg::zeros({2, 2}).item<float>(),
                       "item: a tensor with 4 elements (shape [2, 2]) cannot be converted to a scalar", tg::Error);
  CHECK_THROWS_WITH_AS(tg::zeros({0}).item<float>(), doctest::Contains("item: a tensor with 0 elements"), tg::Error);
  tg::Tensor u;
  CHECK_THROWS_WITH_AS(u.sizes(), "tensor: operation on an undefined tensor", tg::Error);
  CHECK_THROWS_WITH_AS(tg::add(u, tg::zeros({1})), "add: input is an undefined tensor", tg::Error);
  CHECK_THROWS_WITH_AS(tg::exp(u), "exp: input is an undefined tensor", tg::Error);
  CHECK_THROWS_WITH_AS(tg::sum(u), "sum: input is an undefined tensor", tg::Error);
  CHECK_THROWS_WITH_AS(tg::matmul(u, u), "matmul: input is an undefined tensor", tg::Error);
  CHECK_THROWS_WITH_AS(tg::zeros({1}).copy_(u), "copy_: source is an undefined tensor", tg::Error);
}

TEST_CASE("errors: factories reject invalid arguments") {
  CHECK_THROWS_WITH_AS(tg::zeros({2, -1}), "empty: negative size -1 in dimension 1 of shape [2, -1]", tg::Error);
  CHECK_THROWS_WITH_AS(tg::arange(0, 5, 0), "arange: step must be nonzero", tg::Error);
  CHECK_THROWS_WITH_AS(tg::arange(5, 0, 1),
                       doctest::Contains("arange: upper bound 0 and lower bound 5 are inconsistent with step sign"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::linspace(0, 1, -1), "linspace: number of steps must be non-negative, got -1", tg::Error);
  CHECK_THROWS_WITH_AS(tg::eye(-1), doctest::Contains("eye: sizes must be non-negative"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::rand({2}, nullptr, tg::kInt64), "rand: dtype must be floating, got int64", tg::Error);
  CHECK_THROWS_WITH_AS(tg::randn({2}, nullptr, tg::kBool), "randn: dtype must be floating, got bool", tg::Error);
  CHECK_THROWS_WITH_AS(tg::randint(3, 3, {2}), "randint: low (3) must be less than high (3)", tg::Error);
  CHECK_THROWS_WITH_AS(tg::randint(0, 2, {2}, nullptr, tg::kBool), "randint: dtype bool is not supported", tg::Error);
  CHECK_THROWS_WITH_AS(tg::randperm(-1), "randperm: n must be non-negative, got -1", tg::Error);
  CHECK_THROWS_WITH_AS(tg::from_blob(nullptr, {2}, tg::kFloat32), "from_blob: data pointer is null", tg::Error);
  float buf[4] = {};
  CHECK_THROWS_WITH_AS(tg::from_blob(buf, {2}, tg::kFloat32, nullptr, tg::DimVec{1, 1}),
                       doctest::Contains("from_blob: strides [1, 1] do not match shape [2]"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::from_vector(std::vector<double>{1, 2}, tg::DimVec{3}),
                       "from_vector: shape [3] holds 3 elements but 2 values were given", tg::Error);
  CHECK_THROWS_WITH_AS(tg::parse_device("gpu"), "device: cannot parse 'gpu' (expected cpu, cuda or cuda:N)", tg::Error);
  CHECK(tg::parse_device("cuda:1") == tg::Device{tg::kCUDA, 1});
  CHECK(tg::parse_device("cpu") == tg::Device{tg::kCPU});
}

TEST_CASE("errors: dtype rules") {
  CHECK_THROWS_WITH_AS(tg::var(tg::zeros({2}, tg::kInt64)), "var: expected a floating dtype, got int64", tg::Error);
  CHECK_THROWS_WITH_AS(tg::logsumexp(tg::zeros({2}, tg::kBool), {0}),
                       "logsumexp: expected a floating dtype, got bool", tg::Error);
  CHECK_THROWS_WITH_AS(tg::relu(tg::zeros({2}, tg::kBool)), "relu: not supported for bool tensors", tg::Error);
  CHECK_THROWS_WITH_AS(tg::clamp(tg::zeros({2}), std::nullopt, std::nullopt),
                       "clamp: at least one of min and max must be given", tg::Error);
  CHECK_THROWS_WITH_AS(tg::softplus(tg::zeros({2}), 0.0), "softplus: beta must be positive, got 0", tg::Error);
  CHECK_THROWS_WITH_AS(tg::norm(tg::zeros({2}), -1), "norm: p must be positive, got -1", tg::Error);
  CHECK_THROWS_WITH_AS(tg::zeros({2}, tg::kInt64).requires_grad_(),
                       doctest::Contains("requires_grad_: only floating-point tensors can require gradients"),
                       tg::Error);
}
