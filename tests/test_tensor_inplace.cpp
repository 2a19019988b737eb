// tests/test_tensor_inplace.cpp — in-place ops: values through views, broadcasting, dtype rules,
// aliasing, version counter, and the writes that must be refused.
#include "tensor_test_util.h"

using tgt::check_tensor;
using tgt::check_values;
using tgt::make;

TEST_CASE("inplace: arithmetic writes into the tensor and its base") {
  tg::Tensor x = make({1, 2, 3, 4, 5, 6}, {2, 3});
  tg::Tensor r = make({10, 20, 30}, {3});
  x.add_(r);
  check_values(x, {11, 22, 33, 14, 25, 36});
  x.sub_(r, 2);
  check_values(x, {-9, -18, -27, -6, -15, -24});
  x.mul_(-1);
  x.div_(3);
  check_values(x, {3, 6, 9, 2, 5, 8});
  x.add_(1);
  x.mul_(make({2, 1}, {2, 1}));
  check_values(x, {8, 14, 20, 3, 6, 9});
  x.div_(make({2, 2, 2}, {3}));
  check_values(x, {4, 7, 10, 1.5, 3, 4.5});
  x += 1;
  x -= tg::ones({3});
  x *= 2;
  x /= 2;
  x *= tg::ones({2, 3});
  x /= tg::full({1}, 0.5);
  x += x;
  check_values(x, {16, 28, 40, 6, 12, 18});
  tg::Tensor& ref = x.add_(1);
  CHECK(&ref == &x);
  // Into views: a transposed column and a strided slice.
  tg::Tensor base = tg::zeros({3, 4});
  base.t().select(0, 1).add_(make({1, 2, 3}, {3}));
  base.slice(1, 0, 4, 2).mul_(10).add_(1);
  check_values(base, {1, 1, 1, 0, 1, 2, 1, 0, 1, 3, 1, 0});
  // Float target, int64 operand (promotion allowed), float64 into float32.
  tg::Tensor f = make({1, 2}, {2});
  f.add_(make({1, 1}, {2}, tg::kInt64));
  f.mul_(make({0.5, 0.5}, {2}, tg::kFloat64));
  check_tensor(f, {2}, tg::kFloat32, {1, 1.5});
  tg::Tensor i = make({1, 2}, {2}, tg::kInt64);
  i.add_(make({1, 0}, {2}, tg::kBool));
  i.mul_(3);
  check_tensor(i, {2}, tg::kInt64, {6, 6});
}

TEST_CASE("inplace: fill_, zero_, copy_, clamp_, masked_fill_") {
  tg::Tensor x = tg::zeros({2, 3}, tg::kFloat64);
  x.fill_(2.5);
  check_values(x, std::vector<double>(6, 2.5));
  x.t().select(0, 0).zero_();
  check_values(x, {0, 2.5, 2.5, 0, 2.5, 2.5});
  x.copy_(make({1, 2, 3}, {3}, tg::kInt64));  // broadcast and convert
  check_tensor(x, {2, 3}, tg::kFloat64, {1, 2, 3, 1, 2, 3});
  x.t().copy_(make({1, 2, 3, 4, 5, 6}, {3, 2}));
  check_values(x, {1, 3, 5, 2, 4, 6});
  x.clamp_(2, 5);
  check_values(x, {2, 3, 5, 2, 4, 5});
  x.masked_fill_(make({1, 0, 0}, {3}, tg::kBool), -1);
  check_values(x, {-1, 3, 5, -1, 4, 5});
  tg::Tensor b = tg::zeros({3}, tg::kBool);
  b.fill_(true);
  check_tensor(b, {3}, tg::kBool, {1, 1, 1});
  tg::Tensor i = make({5, -5, 0}, {3}, tg::kInt64);
  i.clamp_(-2, 2);
  check_values(i, {2, -2, 0});
  CHECK_THROWS_WITH_AS(i.clamp_(0.5, 1), doctest::Contains("clamp_: result type float32 can't be cast"),
                       tg::Error);
}

TEST_CASE("inplace: operands that alias the target are read before being overwritten") {
  tg::Tensor x = make({1, 2, 3, 4}, {2, 2});
  x.add_(x.t());  // reading the transposed self while writing
  check_values(x, {2, 5, 5, 8});
  tg::Tensor v = tg::arange(0, 5, 1, tg::kFloat32);
  v.narrow(0, 1, 4).copy_(v.narrow(0, 0, 4));  // overlapping shift
  check_values(v, {0, 0, 1, 2, 3});
  tg::Tensor w = make({1, 2, 3}, {3});
  w.mul_(w);
  check_values(w, {1, 4, 9});
  tg::Tensor y = make({1, 2, 3, 4}, {2, 2});
  y.copy_(y.t());
  check_values(y, {1, 3, 2, 4});
}

TEST_CASE("inplace: every write bumps the storage version counter, views included") {
  tg::Tensor x = tg::zeros({2, 2});
  uint64_t v0 = x.impl().storage()->version();
  x.add_(1);
  tg::Tensor view = x.select(0, 0);
  view.mul_(2);
  x.fill_(0);
  x.copy_(tg::ones({2, 2}));
  view.masked_fill_(make({1, 0}, {2}, tg::kBool), 3);
  CHECK(x.impl().storage()->version() == v0 + 5);
  tg::Tensor y = x + 1;  // out-of-place ops do not touch x's version
  CHECK(x.impl().storage()->version() == v0 + 5);
  (void)y;
}

TEST_CASE("inplace: refused writes") {
  tg::Tensor e = make({1, 2}, {2}).expand({3, 2});
  CHECK_THROWS_WITH_AS(e.add_(1), doctest::Contains("add_: cannot write in place into a tensor where "
                                                    "several elements share one memory location"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(e.fill_(0), doctest::Contains("fill_: cannot write in place"), tg::Error);
  CHECK_THROWS_WITH_AS(e.copy_(tg::zeros({3, 2})), doctest::Contains("copy_: cannot write in place"), tg::Error);
  CHECK_THROWS_WITH_AS(e.zero_(), doctest::Contains("cannot write in place"), tg::Error);
  tg::Tensor x = tg::zeros({2, 3});
  CHECK_THROWS_WITH_AS(x.add_(tg::zeros({2, 1, 3})),
                       doctest::Contains("add_: the operand of shape [2, 1, 3] cannot be broadcast to the "
                                         "in-place target's shape [2, 3]"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(x.mul_(tg::zeros({4})), doctest::Contains("mul_: shapes [2, 3] and [4] cannot be broadcast"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(x.copy_(tg::zeros({3, 3})), doctest::Contains("copy_:"), tg::Error);
  tg::Tensor i = tg::zeros({2}, tg::kInt64);
  CHECK_THROWS_WITH_AS(i.add_(tg::ones({2})),
                       "add_: result type float32 can't be cast to the in-place target's dtype int64", tg::Error);
  CHECK_THROWS_WITH_AS(i.add_(0.5), doctest::Contains("add_: result type float32 can't be cast"), tg::Error);
  CHECK_THROWS_WITH_AS(i.div_(2), doctest::Contains("div_: result type float32 can't be cast"), tg::Error);
  tg::Tensor b = tg::zeros({2}, tg::kBool);
  CHECK_THROWS_WITH_AS(b.add_(1), doctest::Contains("add_: result type int64 can't be cast"), tg::Error);
  CHECK_THROWS_WITH_AS(b.sub_(b), doctest::Contains("sub_: not supported for bool"), tg::Error);
  CHECK_THROWS_WITH_AS(x.masked_fill_(tg::zeros({2, 3}), 1), doctest::Contains("masked_fill: mask must be a bool"),
                       tg::Error);
  check_values(x, std::vector<double>(6, 0.0));  // failed calls leave the target untouched
}
