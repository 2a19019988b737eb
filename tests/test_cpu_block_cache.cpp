// tests/test_cpu_block_cache.cpp — the CPU allocator's cache of large blocks (tensor/cpu.h,
// kernels/cpu/block_cache.h): a freed block of 1 MiB or more is handed to the next tensor of its
// size class, the cache never holds more than its limit (oldest blocks go first), a limit of 0
// turns it off, and reused memory is plain memory (zeros() still zeroes it).
#include <doctest/doctest.h>

#include <cstdint>
#include <thread>
#include <vector>

#include <tapegrad/tapegrad.h>

#include "../kernels/cpu/block_cache.h"

using tg::Tensor;
using tg::kernels::cpu::BlockCache;

namespace {

constexpr int64_t kMiB = int64_t{1} << 20;

// Sets a limit and an empty cache for one test case, and puts the old limit back afterwards.
struct CacheLimit {
  int64_t old = tg::cpu::cache_limit();
  explicit CacheLimit(int64_t bytes) {
    tg::cpu::empty_cache();
    tg::cpu::set_cache_limit(bytes);
  }
  ~CacheLimit() {
    tg::cpu::empty_cache();
    tg::cpu::set_cache_limit(old);
  }
};

// A float tensor of `bytes` bytes (a multiple of 4).
Tensor block_of(int64_t bytes) { return tg::empty({bytes / 4}); }

}  // namespace

TEST_CASE("cpu cache: size classes are eighth steps between powers of two") {
  size_t prev = 0;
  for (size_t n = BlockCache::kMinBytes; n < (size_t{1} << 32); n += n / 7 + 4093) {
    const size_t c = BlockCache::size_class(n);
    CHECK(c >= n);
    CHECK(c - n <= n / 8);  // at most 12.5% more than asked
    CHECK(c % 64 == 0);     // a valid aligned_alloc size
    CHECK(c >= prev);       // monotone
    CHECK(BlockCache::size_class(c) == c);  // a class is its own class
    prev = c;
  }
  CHECK(BlockCache::size_class(size_t{1} << 20) == size_t{1} << 20);
  CHECK(BlockCache::size_class((size_t{1} << 20) + 1) == (size_t{9} << 17));  // 1 MiB + 128 KiB
}

TEST_CASE("cpu cache: a freed large block goes to the next tensor of its size class") {
  CacheLimit limit(64 * kMiB);
  const auto s0 = tg::cpu::cache_stats();
  CHECK(s0.cached_bytes == 0);
  CHECK(s0.limit_bytes == 64 * kMiB);
  void* first = nullptr;
  {
    Tensor t = block_of(8 * kMiB);
    first = t.data_ptr();
  }
  auto s1 = tg::cpu::cache_stats();
  CHECK(s1.cached_blocks == 1);
  CHECK(s1.cached_bytes == 8 * kMiB);
  CHECK(s1.misses == s0.misses + 1);
  {
    // 8 MiB - 4 KiB is in the same class (7 MiB + 1 ... 8 MiB): the same block comes back.
    Tensor t = block_of(8 * kMiB - 4096);
    CHECK(t.data_ptr() == first);
    const auto s2 = tg::cpu::cache_stats();
    CHECK(s2.hits == s1.hits + 1);
    CHECK(s2.cached_blocks == 0);
    CHECK(s2.cached_bytes == 0);
    // Another class takes new memory while the first block is in use.
    Tensor u = block_of(3 * kMiB);
    CHECK(u.data_ptr() != first);
    CHECK(tg::cpu::cache_stats().misses == s1.misses + 1);
  }
  CHECK(tg::cpu::cache_stats().cached_blocks == 2);
  tg::cpu::empty_cache();
  const auto s3 = tg::cpu::cache_stats();
  CHECK(s3.cached_blocks == 0);
  CHECK(s3.cached_bytes == 0);
  // Blocks under 1 MiB never enter the cache.
  { Tensor t = block_of(kMiB - 64); }
  CHECK(tg::cpu::cache_stats().cached_blocks == 0);
}

TEST_CASE("cpu cache: never holds more than its limit, and frees the oldest blocks first") {
  CacheLimit limit(20 * kMiB);
  std::vector<void*> order;
  {
    std::vector<Tensor> ts;
    for (int i = 0; i < 4; ++i) ts.push_back(block_of(8 * kMiB));
    for (auto& t : ts) order.push_back(t.data_ptr());
    for (auto& t : ts) t = Tensor();  // released in order 0, 1, 2, 3
  }
  const auto s = tg::cpu::cache_stats();
  CHECK(s.cached_bytes <= 20 * kMiB);
  CHECK(s.cached_blocks == 2);
  // The two newest (2 and 3) stayed; the newest comes back first.
  Tensor a = block_of(8 * kMiB), b = block_of(8 * kMiB);
  CHECK(a.data_ptr() == order[3]);
  CHECK(b.data_ptr() == order[2]);
  // Lowering the limit frees down to it.
  a = Tensor();
  b = Tensor();
  CHECK(tg::cpu::cache_stats().cached_blocks == 2);
  tg::cpu::set_cache_limit(10 * kMiB);
  CHECK(tg::cpu::cache_stats().cached_blocks == 1);
  CHECK(tg::cpu::cache_stats().cached_bytes == 8 * kMiB);
  // A block larger than the limit is freed, not cached.
  { Tensor big = block_of(16 * kMiB); }
  CHECK(tg::cpu::cache_stats().cached_bytes == 8 * kMiB);
}

TEST_CASE("cpu cache: a limit of 0 turns it off, and a negative limit is an error") {
  CacheLimit limit(0);
  const auto s0 = tg::cpu::cache_stats();
  { Tensor t = block_of(4 * kMiB); }
  { Tensor t = block_of(4 * kMiB); }
  const auto s1 = tg::cpu::cache_stats();
  CHECK(s1.cached_blocks == 0);
  CHECK(s1.hits == s0.hits);
  CHECK(s1.misses == s0.misses + 2);
  CHECK_THROWS_WITH_AS(tg::cpu::set_cache_limit(-1), doctest::Contains("cpu::set_cache_limit"),
                       tg::Error);
  CHECK(tg::cpu::cache_limit() == 0);
}

TEST_CASE("cpu cache: reused memory holds no stale values where an op defines them") {
  CacheLimit limit(64 * kMiB);
  const int64_t n = 2 * kMiB;  // 8 MiB of floats
  { Tensor t = tg::full({n}, 7.0); }
  const auto before = tg::cpu::cache_stats();
  Tensor z = tg::zeros({n});
  CHECK(tg::cpu::cache_stats().hits == before.hits + 1);  // the 7s' block
  CHECK(tg::sum(z).item<float>() == 0.0f);
  Tensor o = tg::ones({n});
  Tensor c = tg::add(o, o);
  CHECK(tg::sum(c).item<float>() == static_cast<float>(2 * n));
  CHECK(tg::amax(c).item<float>() == 2.0f);
}

TEST_CASE("cpu cache: small blocks are 64-byte aligned and reused per thread by class") {
  // 257 B ... 64 KiB: a per-thread cache by power-of-two class (512 B ... 64 KiB).
  for (int64_t floats : {65, 100, 128, 129, 1000, 4096, 5000, 16384}) {
    CAPTURE(floats);
    Tensor t = tg::empty({floats});
    CHECK(reinterpret_cast<uintptr_t>(t.data_ptr()) % 64 == 0);
  }
  void* first = nullptr;
  {
    Tensor t = tg::empty({1000});  // 4000 B: the 4 KiB class
    first = t.data_ptr();
  }
  {
    Tensor t = tg::empty({600});  // 2400 B: the 4 KiB class too
    CHECK(t.data_ptr() == first);
    Tensor u = tg::empty({1000});  // the class is empty now: another block
    CHECK(u.data_ptr() != first);
  }
  // At most 16 blocks per class stay: of 20 freed, the 16 freed first are kept and the 16 next
  // allocations get them back (newest first).
  std::vector<Tensor> ts;
  for (int i = 0; i < 20; ++i) ts.push_back(tg::empty({2000}));  // 8000 B: the 8 KiB class
  std::vector<void*> freed;
  for (auto& t : ts) freed.push_back(t.data_ptr());
  for (auto& t : ts) t = Tensor();
  for (int i = 0; i < 16; ++i) {
    CAPTURE(i);
    Tensor t = tg::empty({2000});
    CHECK(t.data_ptr() == freed[static_cast<size_t>(15 - i)]);
    ts[static_cast<size_t>(i)] = t;  // keep it, so the next one comes from the cache too
  }
  ts.clear();
}

TEST_CASE("cpu cache: a small block freed on another thread joins that thread's cache") {
  Tensor t = tg::full({3000}, 5.0);  // 12000 B: the 16 KiB class
  void* p = t.data_ptr();
  bool reused = false;
  std::thread other([&] {
    t = Tensor();  // freed here
    Tensor u = tg::zeros({4000});  // 16000 B: the same class, on this thread
    reused = u.data_ptr() == p;
    CHECK(tg::sum(u).item<float>() == 0.0f);
  });  // the thread's cache is freed as it ends (LeakSanitizer would report it otherwise)
  other.join();
  CHECK(reused);
}

TEST_CASE("cpu cache: TG_CPU_CACHE_MB is a whole number of MiB, anything else a tg::Error") {
  CHECK(BlockCache::limit_from_env(nullptr) == 256 * kMiB);
  CHECK(BlockCache::limit_from_env("") == 256 * kMiB);
  CHECK(BlockCache::limit_from_env("0") == 0);
  CHECK(BlockCache::limit_from_env("64") == 64 * kMiB);
  for (const char* bad : {"abc", "64MB", "-1", "1.5", " ", "99999999999999999999"}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH_AS(BlockCache::limit_from_env(bad), doctest::Contains("TG_CPU_CACHE_MB"),
                         tg::Error);
  }
}

TEST_CASE("cpu cache: a reused block freed past the limit goes back to the system cleanly") {
  // Under AddressSanitizer a reused block keeps its tail past the request poisoned; freeing it
  // directly (the cache is full, or the limit dropped) must not trip on that.
  CacheLimit limit(64 * kMiB);
  { Tensor t = block_of(8 * kMiB); }
  Tensor t = block_of(7 * kMiB + 4096);  // the same class: the cached block, tail poisoned
  tg::cpu::set_cache_limit(0);
  t = Tensor();  // freed, not cached
  CHECK(tg::cpu::cache_stats().cached_blocks == 0);
  // The small blocks' way: more than 16 of one class freed at once.
  std::vector<Tensor> ts;
  for (int i = 0; i < 20; ++i) ts.push_back(tg::empty({1000}));
  ts.clear();
  for (int i = 0; i < 20; ++i) ts.push_back(tg::empty({700}));  // reused, tails poisoned
  ts.clear();
  CHECK(tg::sum(tg::ones({1000})).item<float>() == 1000.0f);
}
