// tests/test_tensor_factories.cpp — factories, random tensors, from_vector/from_blob, item/to_vector.
#include <cmath>

#include "tensor_test_util.h"

using tgt::check_tensor;
using tgt::check_values;

TEST_CASE("factories: zeros, ones, full in every dtype") {
  for (tg::DType dt : {tg::kFloat32, tg::kFloat64, tg::kInt64, tg::kBool}) {
    CAPTURE(dt);
    check_tensor(tg::zeros({2, 3}, dt), {2, 3}, dt, std::vector<double>(6, 0.0));
    check_tensor(tg::ones({3}, dt), {3}, dt, {1, 1, 1});
    check_tensor(tg::full({2, 1}, 1, dt), {2, 1}, dt, {1, 1});
  }
  check_tensor(tg::full({2}, 2.5), {2}, tg::kFloat32, {2.5, 2.5});
  check_tensor(tg::full({2}, int64_t{7}), {2}, tg::kInt64, {7, 7});
  check_tensor(tg::full({2}, true), {2}, tg::kBool, {1, 1});
  check_tensor(tg::full({}, -3.0, tg::kFloat64), {}, tg::kFloat64, {-3});
  tg::Tensor e = tg::zeros({0, 4});
  CHECK(e.numel() == 0);
  CHECK(e.sizes() == tg::DimVec{0, 4});
}

TEST_CASE("factories: *_like keep shape and dtype unless overridden") {
  tg::Tensor x = tg::zeros({2, 3}, tg::kFloat64).t();
  check_tensor(tg::ones_like(x), {3, 2}, tg::kFloat64, std::vector<double>(6, 1.0));
  check_tensor(tg::zeros_like(x, tg::kInt64), {3, 2}, tg::kInt64, std::vector<double>(6, 0.0));
  check_tensor(tg::full_like(x, 4), {3, 2}, tg::kFloat64, std::vector<double>(6, 4.0));
  CHECK(tg::empty_like(x).sizes() == tg::DimVec{3, 2});
  CHECK(tg::empty_like(x).is_contiguous());
}

TEST_CASE("factories: arange") {
  check_tensor(tg::arange(5), {5}, tg::kInt64, {0, 1, 2, 3, 4});
  check_tensor(tg::arange(2, 11, 3), {3}, tg::kInt64, {2, 5, 8});
  check_tensor(tg::arange(5, 0, -2), {3}, tg::kInt64, {5, 3, 1});
  check_tensor(tg::arange(-3, 3, 2), {3}, tg::kInt64, {-3, -1, 1});
  check_tensor(tg::arange(0.0, 1.0, 0.25), {4}, tg::kFloat32, {0, 0.25, 0.5, 0.75});
  check_tensor(tg::arange(1, 2, 0.5, tg::kFloat64), {2}, tg::kFloat64, {1, 1.5});
  check_tensor(tg::arange(0, 3, 1, tg::kFloat64), {3}, tg::kFloat64, {0, 1, 2});
  CHECK(tg::arange(3, 3).numel() == 0);
  CHECK(tg::arange(3.0).dtype() == tg::kFloat32);
}

TEST_CASE("factories: linspace hits both end points exactly") {
  check_tensor(tg::linspace(0, 1, 5), {5}, tg::kFloat32, {0, 0.25, 0.5, 0.75, 1});
  check_tensor(tg::linspace(-1, 1, 3, tg::kFloat64), {3}, tg::kFloat64, {-1, 0, 1});
  check_tensor(tg::linspace(2, 3, 1), {1}, tg::kFloat32, {2});
  CHECK(tg::linspace(0, 1, 0).numel() == 0);
  tg::Tensor l = tg::linspace(0.1, 0.7, 7, tg::kFloat64);
  CHECK(l.to_vector<double>().front() == 0.1);
  CHECK(l.to_vector<double>().back() == 0.7);
  check_tensor(tg::linspace(0, 10, 6, tg::kInt64), {6}, tg::kInt64, {0, 2, 4, 6, 8, 10});
}

TEST_CASE("factories: eye square and rectangular") {
  check_tensor(tg::eye(3), {3, 3}, tg::kFloat32, {1, 0, 0, 0, 1, 0, 0, 0, 1});
  check_tensor(tg::eye(2, 3, tg::kInt64), {2, 3}, tg::kInt64, {1, 0, 0, 0, 1, 0});
  check_tensor(tg::eye(3, 2, tg::kBool), {3, 2}, tg::kBool, {1, 0, 0, 1, 0, 0});
  CHECK(tg::eye(0).numel() == 0);
}

TEST_CASE("factories: from_vector, tensor, scalar_tensor") {
  check_tensor(tg::from_vector(std::vector<float>{1, 2, 3, 4}, tg::DimVec{2, 2}), {2, 2},
               tg::kFloat32, {1, 2, 3, 4});
  check_tensor(tg::from_vector(std::vector<double>{0.5}), {1}, tg::kFloat64, {0.5});
  check_tensor(tg::from_vector(std::vector<int64_t>{-1, 5}), {2}, tg::kInt64, {-1, 5});
  check_tensor(tg::from_vector(std::vector<int>{3, 4}), {2}, tg::kInt64, {3, 4});
  check_tensor(tg::from_vector(std::vector<bool>{true, false}), {2}, tg::kBool, {1, 0});
  check_tensor(tg::tensor({1.5, -2}), {2}, tg::kFloat32, {1.5, -2});
  check_tensor(tg::tensor({1, 2}, tg::kInt64), {2}, tg::kInt64, {1, 2});
  check_tensor(tg::scalar_tensor(3), {}, tg::kFloat32, {3});
  check_tensor(tg::scalar_tensor(true, tg::kBool), {}, tg::kBool, {1});
  CHECK_THROWS_AS(tg::from_vector(std::vector<float>{1, 2, 3}, tg::DimVec{2, 2}), tg::Error);
}

TEST_CASE("factories: item and to_vector convert across dtypes") {
  tg::Tensor x = tgt::make({2.75}, {1, 1}, tg::kFloat64);
  CHECK(x.item<double>() == 2.75);
  CHECK(x.item<float>() == 2.75f);
  CHECK(x.item<int64_t>() == 2);
  CHECK(tg::scalar_tensor(0.0).item<bool>() == false);
  CHECK(tg::scalar_tensor(int64_t{7}, tg::kInt64).item<double>() == 7.0);
  tg::Tensor m = tgt::make({1, 2, 3, 4, 5, 6}, {2, 3}, tg::kInt64).t();  // non-contiguous
  CHECK(m.to_vector<int64_t>() == std::vector<int64_t>{1, 4, 2, 5, 3, 6});
  CHECK(m.to_vector<float>() == std::vector<float>{1, 4, 2, 5, 3, 6});
  CHECK(m.to_vector<int32_t>() == std::vector<int32_t>{1, 4, 2, 5, 3, 6});
  CHECK(tgt::make({0, 2, -1}, {3}).to_vector<bool>() == std::vector<bool>{false, true, true});
  CHECK(tg::zeros({0}).to_vector<float>().empty());
  CHECK(m[2][1].item<int64_t>() == 6);
}

TEST_CASE("factories: from_blob wraps memory without copying and deleter runs exactly once") {
  int deleted = 0;
  float buf[6] = {1, 2, 3, 4, 5, 6};
  {
    tg::Tensor t = tg::from_blob(buf, {2, 3}, tg::kFloat32, [&](void* p) {
      CHECK(p == buf);
      ++deleted;
    });
    tg::Tensor v = t.t();  // a view keeps the storage alive
    t = tg::Tensor();
    CHECK(deleted == 0);
    check_values(v, {1, 4, 2, 5, 3, 6});
    buf[0] = 10;  // no copy: writes to the buffer are visible
    CHECK(v[0][0].item<float>() == 10);
    v.select(0, 1).fill_(0);  // and writes through the tensor reach the buffer
    CHECK(buf[1] == 0);
    CHECK(buf[4] == 0);
  }
  CHECK(deleted == 1);

  double strided[6] = {0, 1, 2, 3, 4, 5};
  tg::Tensor s = tg::from_blob(strided, {3}, tg::kFloat64, nullptr, tg::DimVec{2});
  check_tensor(s, {3}, tg::kFloat64, {0, 2, 4});
  CHECK_FALSE(s.is_contiguous());
}

TEST_CASE("random: same seed gives the same numbers and different seeds differ") {
  for (tg::DType dt : {tg::kFloat32, tg::kFloat64}) {
    CAPTURE(dt);
    tg::Generator g1(42), g2(42), g3(43);
    tg::Tensor a = tg::rand({100}, &g1, dt), b = tg::rand({100}, &g2, dt), c = tg::rand({100}, &g3, dt);
    CHECK(tg::equal(a, b));
    CHECK_FALSE(tg::equal(a, c));
    // The generator advances: the next draw differs from the first.
    CHECK_FALSE(tg::equal(tg::rand({100}, &g1, dt), a));
    tg::Tensor n1 = tg::randn({50}, &g1, dt), n2 = tg::randn({50}, &g2, dt);
    CHECK_FALSE(tg::equal(n1, n2));  // g1 is one draw ahead of g2
    g1.manual_seed(42);
    CHECK(tg::equal(tg::rand({100}, &g1, dt), a));
  }
  tg::Generator g1(7), g2(7);
  CHECK(tg::equal(tg::randint(0, 10, {64}, &g1), tg::randint(0, 10, {64}, &g2)));
  // Drawing 60 numbers in two calls equals drawing them in one (element i uses counter i).
  tg::Generator h1(9), h2(9);
  tg::Tensor whole = tg::rand({60}, &h1);
  tg::Tensor part = tg::cat({tg::rand({20}, &h2), tg::rand({40}, &h2)});
  CHECK(tg::equal(whole, part));
  tg::manual_seed(5);
  tg::Tensor d1 = tg::rand({8});
  tg::manual_seed(5);
  CHECK(tg::equal(tg::rand({8}), d1));
}

TEST_CASE("random: statistics of 100k samples are roughly right") {
  tg::Generator g(123);
  const int64_t n = 100000;
  tg::Tensor u = tg::rand({n}, &g, tg::kFloat64);
  CHECK(tg::min(u).item<double>() >= 0.0);
  CHECK(tg::max(u).item<double>() < 1.0);
  CHECK(tg::mean(u).item<double>() == doctest::Approx(0.5).epsilon(0.01));
  CHECK(tg::var(u).item<double>() == doctest::Approx(1.0 / 12).epsilon(0.02));
  tg::Tensor uf = tg::rand({n}, &g, tg::kFloat32);
  CHECK(tg::max(uf).item<double>() < 1.0);
  CHECK(tg::mean(uf).item<double>() == doctest::Approx(0.5).epsilon(0.01));

  tg::Tensor z = tg::randn({n}, &g, tg::kFloat32);
  CHECK(std::fabs(tg::mean(z).item<double>()) < 0.02);
  CHECK(tg::var(z).item<double>() == doctest::Approx(1.0).epsilon(0.03));
  // About 68.3% within one standard deviation.
  double within = tg::le(tg::abs(z), 1.0).to(tg::kFloat64).mean().item<double>();
  CHECK(within == doctest::Approx(0.6827).epsilon(0.02));

  tg::Tensor r = tg::randint(-3, 4, {n}, &g);
  CHECK(r.dtype() == tg::kInt64);
  CHECK(tg::min(r).item<int64_t>() == -3);
  CHECK(tg::max(r).item<int64_t>() == 3);
  CHECK(r.to(tg::kFloat64).mean().item<double>() == doctest::Approx(0.0).epsilon(0.02));
  // Every value is hit about n / 7 times.
  tg::Tensor counts = tg::one_hot(r + 3, 7).sum({0});
  for (int64_t c : counts.to_vector<int64_t>()) CHECK(std::abs(c - n / 7) < 600);
  CHECK(tg::randint(0, 5, {4}, &g, tg::kFloat64).dtype() == tg::kFloat64);
}

TEST_CASE("random: randperm is a permutation") {
  tg::Generator g(3);
  tg::Tensor p = tg::randperm(50, &g);
  CHECK(p.dtype() == tg::kInt64);
  tg::Tensor sorted = std::get<0>(tg::sort(p));
  CHECK(tg::equal(sorted, tg::arange(50)));
  CHECK(tg::randperm(0, &g).numel() == 0);
}
