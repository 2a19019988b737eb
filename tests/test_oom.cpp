// tests/test_oom.cpp — memory that cannot be provided is a tg::Error naming the op and the byte
// count: never a crash, an escaping std::bad_alloc, or undefined behaviour (a size product that
// overflows int64 is caught before any arithmetic with it).
#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <string>

#include <tapegrad/tapegrad.h>

// AddressSanitizer aborts on a huge malloc unless allocator_may_return_null is set. Defaulting it
// here makes any ASan run of the suite (not only scripts/sanitize.sh) test the library's path;
// ASAN_OPTIONS still overrides it. An unused function in builds without ASan.
extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; }

namespace {

// 2^45 floats = 2^47 bytes: the whole user address space of x86-64.
constexpr int64_t kHuge = int64_t{1} << 45;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const tg::Error& e) {
    return e.what();
  }
  return "<no tg::Error>";
}

}  // namespace

TEST_CASE("oom: a tensor larger than memory is a tg::Error naming the op and the bytes") {
  const tg::MemoryStats before = tg::memory_stats();
  std::string msg = error_of([] { tg::empty({kHuge}); });
  CHECK(msg.rfind("empty: ", 0) == 0);
  CHECK(msg.find("140737488355328 bytes") != std::string::npos);  // 2^45 x 4
  CHECK(msg.find("[35184372088832]") != std::string::npos);       // the shape
  CHECK(msg.find("out of memory") != std::string::npos);
  // Factories and random fills go through the same path.
  CHECK_THROWS_WITH_AS(tg::zeros({kHuge, 1}), doctest::Contains("bytes"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::randn({kHuge}), doctest::Contains("bytes"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::full({1 << 20, 1 << 20, 1 << 10}, 1.0, tg::kFloat64),
                       doctest::Contains("9007199254740992 bytes"), tg::Error);
  // An op whose output cannot be allocated fails the same way, and nothing leaks.
  tg::Tensor row = tg::ones({1, 1});
  CHECK_THROWS_WITH_AS(row.expand({kHuge, 1}).contiguous(), doctest::Contains("bytes"), tg::Error);
  const tg::MemoryStats after = tg::memory_stats();
  CHECK(after.allocated_bytes == before.allocated_bytes + 4);  // `row` only
  // The library still works afterwards.
  CHECK(tg::sum(tg::ones({1000})).item<float>() == 1000.0f);
}

TEST_CASE("oom: byte counts beyond the address space are refused before allocating") {
  // 2^62 float64 elements fit in int64 but their 2^65 bytes do not fit in size_t.
  std::string msg = error_of([] { tg::empty({int64_t{1} << 62}, tg::kFloat64); });
  CHECK(msg.rfind("empty: ", 0) == 0);
  CHECK(msg.find("4611686018427387904 x 8 bytes") != std::string::npos);
  CHECK_THROWS_WITH_AS(tg::empty({int64_t{1} << 61}, tg::kFloat32),
                       doctest::Contains("more than the address space"), tg::Error);
}

TEST_CASE("oom: shapes whose element count overflows int64 are refused") {
  const int64_t big = int64_t{1} << 32;
  CHECK_THROWS_WITH_AS(
      tg::empty({big, big}),
      doctest::Contains("empty: shape [4294967296, 4294967296] has too many elements"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::zeros({big, big, 4}), doctest::Contains("too many elements"), tg::Error);
  // A zero size does not make the strides of the other dims representable.
  CHECK_THROWS_WITH_AS(tg::empty({0, big, big}), doctest::Contains("too many elements"), tg::Error);
  CHECK(tg::empty({0, big}).numel() == 0);  // but a large zero-element tensor is fine
  // Views: expanding or reshaping to an overflowing shape.
  tg::Tensor one = tg::ones({1, 1});
  CHECK_THROWS_WITH_AS(one.expand({big, big}), doctest::Contains("too many elements"), tg::Error);
  CHECK_THROWS_AS(one.reshape({big, big}), tg::Error);
  CHECK_THROWS_AS(one.reshape({big, big, -1}), tg::Error);
  CHECK_THROWS_AS(tg::ones({0}).reshape({big, big, 0, -1}), tg::Error);
  // A product that wraps to exactly the right element count must not pass: 2^32 * 2^32 * 1 = 2^64
  // wraps to 0, so a zero-element tensor could be "viewed" as 2^64 elements.
  CHECK_THROWS_AS(tg::ones({0}).reshape({big, big}), tg::Error);
}
