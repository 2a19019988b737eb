// tests/test_tensor_printing.cpp — PyTorch-style printing (always with the dtype): floats, ints,
// bools, 0-dim, empty, non-finite, scientific notation, summarised large tensors, views.
#include <limits>
#include <sstream>

#include "tensor_test_util.h"

using tgt::make;

TEST_CASE("printing: floats, whole-number floats, 0-dim") {
  CHECK(make({1, 2}, {1, 2}).str() == "tensor([[1., 2.]], dtype=float32)");
  CHECK(make({1, 2, 3, 4}, {2, 2}, tg::kFloat64).str() ==
        "tensor([[1., 2.],\n        [3., 4.]], dtype=float64)");
  CHECK(make({1.5, -2.25}, {2}).str() == "tensor([ 1.5000, -2.2500], dtype=float32)");
  CHECK(make({0, 10}, {2}).str() == "tensor([ 0., 10.], dtype=float32)");
  CHECK(tg::scalar_tensor(3).str() == "tensor(3., dtype=float32)");
  CHECK(tg::scalar_tensor(0.5, tg::kFloat64).str() == "tensor(0.5000, dtype=float64)");
  CHECK(tg::scalar_tensor(-2, tg::kInt64).str() == "tensor(-2, dtype=int64)");
  // 3-D: blank line between the 2-D blocks.
  CHECK(tg::arange(0, 8, 1, tg::kInt64).view({2, 2, 2}).str() ==
        "tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]], dtype=int64)");
  // A non-contiguous view prints its logical order.
  CHECK(make({1, 2, 3, 4}, {2, 2}).t().str() == "tensor([[1., 3.],\n        [2., 4.]], dtype=float32)");
}

TEST_CASE("printing: int64, bool, empty") {
  CHECK(make({1, -20, 3}, {3}, tg::kInt64).str() == "tensor([  1, -20,   3], dtype=int64)");
  CHECK(make({1, 0}, {2}, tg::kBool).str() == "tensor([ True, False], dtype=bool)");
  CHECK(tg::scalar_tensor(true, tg::kBool).str() == "tensor(True, dtype=bool)");
  CHECK(tg::zeros({0}).str() == "tensor([], dtype=float32)");
  CHECK(tg::zeros({0, 3}, tg::kInt64).str() == "tensor([], size=(0, 3), dtype=int64)");
  CHECK(tg::Tensor().str() == "tensor(undefined)");
}

TEST_CASE("printing: non-finite values and scientific notation") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(make({1, nan, inf}, {3}).str() == "tensor([1., nan, inf], dtype=float32)");
  CHECK(make({1.5, nan, -inf}, {3}).str() == "tensor([1.5000,    nan,   -inf], dtype=float32)");
  CHECK(make({nan}, {1}).str() == "tensor([nan], dtype=float32)");
  CHECK(make({1, 2000}, {2}).str() == "tensor([1.0000e+00, 2.0000e+03], dtype=float32)");
  CHECK(make({0.00001, 1}, {2}, tg::kFloat64).str() == "tensor([1.0000e-05, 1.0000e+00], dtype=float64)");
  CHECK(make({1e9}, {1}, tg::kFloat64).str() == "tensor([1.0000e+09], dtype=float64)");
  CHECK(make({0.25, 100}, {2}).str() == "tensor([  0.2500, 100.0000], dtype=float32)");
}

TEST_CASE("printing: large tensors are summarised") {
  CHECK(tg::arange(2000).str() == "tensor([   0,    1,    2,  ..., 1997, 1998, 1999], dtype=int64)");
  CHECK(tg::arange(0, 1000, 1, tg::kFloat32).str().find("...") == std::string::npos);  // <= 1000: in full
  std::string s = tg::arange(0, 2000, 1, tg::kInt64).view({40, 50}).str();
  CHECK(s ==
        "tensor([[   0,    1,    2,  ...,   47,   48,   49],\n"
        "        [  50,   51,   52,  ...,   97,   98,   99],\n"
        "        [ 100,  101,  102,  ...,  147,  148,  149],\n"
        "        ...,\n"
        "        [1850, 1851, 1852,  ..., 1897, 1898, 1899],\n"
        "        [1900, 1901, 1902,  ..., 1947, 1948, 1949],\n"
        "        [1950, 1951, 1952,  ..., 1997, 1998, 1999]], dtype=int64)");
}

TEST_CASE("printing: operator<< and requires_grad") {
  std::ostringstream os;
  os << make({1, 2}, {2});
  CHECK(os.str() == "tensor([1., 2.], dtype=float32)");
  tg::Tensor w = make({1, 2}, {2});
  w.requires_grad_();
  CHECK(w.str() == "tensor([1., 2.], dtype=float32, requires_grad=True)");
}
