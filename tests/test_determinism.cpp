// tests/test_determinism.cpp — results of reductions, matmul and random draws do not depend on
// the number of threads (fixed block structures, counter-based random numbers).
#include <doctest/doctest.h>

#include <tapegrad/tapegrad.h>

namespace {

template <class F>
void same_with_1_and_2_threads(F f) {
  const int before = tg::get_num_threads();
  tg::set_num_threads(1);
  tg::Tensor one = f();
  tg::set_num_threads(2);
  tg::Tensor two = f();
  tg::set_num_threads(before);
  CHECK(tg::equal(one, two));  // bitwise
}

}  // namespace

TEST_CASE("determinism: sums, softmax and matmul are bitwise equal at 1 and 2 threads") {
  tg::Generator gen(99);
  tg::Tensor big = tg::randn({3, 400000}, &gen);
  tg::Tensor a = tg::randn({512, 256}, &gen), b = tg::randn({256, 384}, &gen);
  same_with_1_and_2_threads([&] { return tg::sum(big); });
  same_with_1_and_2_threads([&] { return tg::sum(big, {1}); });
  same_with_1_and_2_threads([&] { return tg::amax(big, {0}); });
  same_with_1_and_2_threads([&] { return tg::softmax(big.narrow(1, 0, 4096), 1); });
  same_with_1_and_2_threads([&] { return tg::matmul(a, b); });
  same_with_1_and_2_threads([&] { return tg::exp(big); });
}

TEST_CASE("determinism: random tensors depend on the seed only") {
  auto draw = [] {
    tg::Generator g(7);
    return tg::cat({tg::rand({100000}, &g), tg::randn({100000}, &g)});
  };
  same_with_1_and_2_threads(draw);
  CHECK_THROWS_WITH_AS(tg::set_num_threads(0), doctest::Contains("at least 1"), tg::Error);
}
