// tests/test_tensor_views.cpp — view ops (shapes, strides, shared storage) and the copying conversions.
#include "tensor_test_util.h"

using tgt::check_tensor;
using tgt::check_values;

namespace {
tg::Tensor iota(const tg::DimVec& shape, tg::DType dt = tg::kFloat32) {
  return tg::arange(0, tg::shape_numel(shape), 1, dt).view(shape);
}
}  // namespace

TEST_CASE("views: view and reshape, with -1 inference") {
  tg::Tensor x = iota({2, 3, 4});
  tg::Tensor v = x.view({6, -1});
  CHECK(v.sizes() == tg::DimVec{6, 4});
  CHECK(v.shares_storage(x));
  CHECK(x.view({-1}).sizes() == tg::DimVec{24});
  CHECK(x.reshape({4, 6}).shares_storage(x));
  // reshape of a non-viewable layout copies; view refuses.
  tg::Tensor t = x.transpose(0, 2);
  tg::Tensor r = t.reshape({-1});
  CHECK_FALSE(r.shares_storage(x));
  check_values(r.narrow(0, 0, 4), {0, 12, 4, 16});
  CHECK_THROWS_WITH_AS(t.view({-1}), doctest::Contains("view: size [24] is not compatible"),
                       tg::Error);
  // Merging dims that are contiguous among themselves works on a non-contiguous tensor.
  tg::Tensor s = x.slice(2, 0, 4, 2);  // [2, 3, 2], strides [12, 4, 2]: uniformly strided
  CHECK(s.view({12}).strides() == tg::DimVec{2});
  tg::Tensor n = x.narrow(2, 0, 2);  // [2, 3, 2], strides [12, 4, 1]
  CHECK(n.view({6, 2}).strides() == tg::DimVec{4, 1});
  CHECK_THROWS_AS(n.view({12}), tg::Error);
  check_values(n.reshape({12}), {0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21});
  // 0-dim <-> 1-element.
  tg::Tensor z = tg::scalar_tensor(5);
  CHECK(z.view({1}).sizes() == tg::DimVec{1});
  CHECK(z.reshape({1, 1}).item<float>() == 5);
  CHECK(tg::ones({1, 1}).view({}).dim() == 0);
  CHECK(z.flatten().sizes() == tg::DimVec{1});
  // Empty tensors reshape freely.
  CHECK(tg::zeros({0, 3}).view({3, 0}).sizes() == tg::DimVec{3, 0});
}

TEST_CASE("views: transpose, t, permute") {
  tg::Tensor x = iota({2, 3});
  tg::Tensor t = x.t();
  CHECK(t.sizes() == tg::DimVec{3, 2});
  CHECK(t.strides() == tg::DimVec{1, 3});
  CHECK_FALSE(t.is_contiguous());
  check_values(t, {0, 3, 1, 4, 2, 5});
  CHECK(tg::arange(3).t().sizes() == tg::DimVec{3});
  tg::Tensor y = iota({2, 3, 4});
  tg::Tensor p = y.permute({2, 0, 1});
  CHECK(p.sizes() == tg::DimVec{4, 2, 3});
  CHECK(p.strides() == tg::DimVec{1, 12, 4});
  CHECK(p[1][1][2].item<float>() == 12 + 8 + 1);
  CHECK(y.permute({-1, -3, -2}).sizes() == tg::DimVec{4, 2, 3});
  CHECK(y.transpose(-1, 0).sizes() == tg::DimVec{4, 3, 2});
  CHECK(y.transpose(1, 1).sizes() == y.sizes());
}

TEST_CASE("views: narrow, slice with steps and clamping, select, operator[]") {
  tg::Tensor x = iota({4, 5});
  check_tensor(x.narrow(1, 1, 2), {4, 2}, tg::kFloat32, {1, 2, 6, 7, 11, 12, 16, 17});
  check_values(x.narrow(0, -1, 1), {15, 16, 17, 18, 19});
  CHECK(x.narrow(0, 4, 0).numel() == 0);
  tg::Tensor s = x.slice(1, 0, 5, 2);
  CHECK(s.sizes() == tg::DimVec{4, 3});
  CHECK(s.strides() == tg::DimVec{5, 2});
  check_values(s[1], {5, 7, 9});
  check_values(x.slice(0, 1, 100, 2), {5, 6, 7, 8, 9, 15, 16, 17, 18, 19});
  check_values(x.slice(1, -2, 5).select(0, 0), {3, 4});
  CHECK(x.slice(0, 3, 1).sizes() == tg::DimVec{0, 5});
  check_values(x.select(1, -1), {4, 9, 14, 19});
  CHECK(x.select(0, 2).storage_offset() == 10);
  CHECK(x[3][4].item<float>() == 19);
  // Slice of a slice composes offsets and strides.
  check_values(x.slice(1, 1, 5, 2).slice(0, 1, 4, 2), {6, 8, 16, 18});
}

TEST_CASE("views: expand, broadcast_to, squeeze, unsqueeze, flatten") {
  tg::Tensor c = tgt::make({1, 2, 3}, {3, 1});
  tg::Tensor e = c.expand({2, 3, 4});
  CHECK(e.sizes() == tg::DimVec{2, 3, 4});
  CHECK(e.strides() == tg::DimVec{0, 1, 0});
  check_values(e[1][2], {3, 3, 3, 3});
  CHECK(c.expand({-1, 2}).sizes() == tg::DimVec{3, 2});
  CHECK(c.broadcast_to({3, 3}).sizes() == tg::DimVec{3, 3});
  CHECK(c.expand_as(tg::zeros({3, 5})).sizes() == tg::DimVec{3, 5});
  tg::Tensor x = tg::zeros({1, 3, 1, 2});
  CHECK(x.squeeze().sizes() == tg::DimVec{3, 2});
  CHECK(x.squeeze(0).sizes() == tg::DimVec{3, 1, 2});
  CHECK(x.squeeze(1).sizes() == tg::DimVec{1, 3, 1, 2});
  CHECK(x.squeeze(-2).sizes() == tg::DimVec{1, 3, 2});
  tg::Tensor y = iota({2, 3});
  CHECK(y.unsqueeze(0).sizes() == tg::DimVec{1, 2, 3});
  CHECK(y.unsqueeze(-1).sizes() == tg::DimVec{2, 3, 1});
  CHECK(y.unsqueeze(1).sizes() == tg::DimVec{2, 1, 3});
  CHECK(y.t().unsqueeze(1).is_contiguous() == false);
  CHECK(tg::scalar_tensor(1).unsqueeze(0).sizes() == tg::DimVec{1});
  tg::Tensor z = iota({2, 3, 4});
  CHECK(z.flatten().sizes() == tg::DimVec{24});
  CHECK(z.flatten(1).sizes() == tg::DimVec{2, 12});
  CHECK(z.flatten(0, 1).sizes() == tg::DimVec{6, 4});
  CHECK(z.flatten(1).shares_storage(z));
  check_values(z.transpose(1, 2).flatten(1).select(0, 0).narrow(0, 0, 4), {0, 4, 8, 1});
}

TEST_CASE("views: writing through a view is visible in the base") {
  tg::Tensor x = tg::zeros({3, 4});
  x.select(0, 1).fill_(1);
  x.t().select(0, 3).fill_(2);
  x.slice(1, 0, 4, 2).select(0, 2).fill_(3);
  check_values(x, {0, 0, 0, 2, 1, 1, 1, 2, 3, 0, 3, 2});
  tg::Tensor v = x.view({12});
  v.narrow(0, 0, 1).fill_(7);
  CHECK(x[0][0].item<float>() == 7);
  tg::Tensor u = x.unsqueeze(0).squeeze(0).flatten();
  u.narrow(0, 1, 1).add_(tg::scalar_tensor(5));
  CHECK(x[0][1].item<float>() == 5);
  tg::Tensor d = x.detach();
  CHECK(d.shares_storage(x));
}

TEST_CASE("views: contiguous, clone and to(dtype) copy and to(same dtype) does not") {
  tg::Tensor x = iota({2, 3});
  CHECK(x.contiguous().is_same(x));
  tg::Tensor t = x.t();
  tg::Tensor c = t.contiguous();
  CHECK(c.is_contiguous());
  CHECK_FALSE(c.shares_storage(x));
  check_values(c, {0, 3, 1, 4, 2, 5});
  tg::Tensor k = x.clone();
  CHECK_FALSE(k.shares_storage(x));
  k.fill_(9);
  CHECK(x[0][0].item<float>() == 0);
  CHECK(tg::equal(t.clone(), c));
  CHECK(x.to(tg::kFloat32).is_same(x));
  tg::Tensor f = tgt::make({-1.5, 0, 2.7, 3}, {2, 2}).t();
  check_tensor(f.to(tg::kInt64), {2, 2}, tg::kInt64, {-1, 2, 0, 3});
  check_tensor(f.to(tg::kBool), {2, 2}, tg::kBool, {1, 1, 0, 1});
  check_tensor(f.to(tg::kFloat64), {2, 2}, tg::kFloat64, {-1.5, 2.7, 0, 3}, 1e-6);
  check_tensor(tgt::make({1, 0}, {2}, tg::kBool).to(tg::kFloat32), {2}, tg::kFloat32, {1, 0});
  CHECK(x.to(tg::Device{tg::kCPU}).is_same(x));
  CHECK(x.cpu().is_same(x));
  // Converting an expanded tensor materialises the broadcast.
  check_tensor(tgt::make({1, 2}, {2}).expand({2, 2}).to(tg::kInt64), {2, 2}, tg::kInt64,
               {1, 2, 1, 2});
}

TEST_CASE("views: metadata accessors") {
  tg::Tensor x = tg::zeros({2, 3}, tg::kFloat64);
  CHECK(x.dim() == 2);
  CHECK(x.size(-1) == 3);
  CHECK(x.stride(0) == 3);
  CHECK(x.numel() == 6);
  CHECK(x.nbytes() == 48);
  CHECK(x.itemsize() == 8);
  CHECK(x.is_floating_point());
  CHECK_FALSE(tg::zeros({1}, tg::kInt64).is_floating_point());
  CHECK(x.device() == tg::Device{tg::kCPU});
  CHECK(x.data<double>() == x.data_ptr());
  CHECK_THROWS_WITH_AS(x.data<float>(), doctest::Contains("float64"), tg::Error);
  CHECK_THROWS_WITH_AS(x.size(2), doctest::Contains("size: dim 2 is out of range"), tg::Error);
  CHECK_FALSE(tg::Tensor().defined());
}
