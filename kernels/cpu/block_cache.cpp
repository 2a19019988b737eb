// kernels/cpu/block_cache.cpp — the bounded cache of large freed CPU blocks (block_cache.h).
#include "block_cache.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "tensor/error.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define TG_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define TG_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define TG_POISON(p, n) ((void)(p), (void)(n))
#define TG_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace tg::kernels::cpu {
namespace {

constexpr int64_t kDefaultLimit = int64_t{256} << 20;

void free_block(void* p, size_t size) {
  TG_UNPOISON(p, size);
  std::free(p);
}

}  // namespace

int64_t BlockCache::limit_from_env(const char* value) {
  if (value == nullptr || *value == '\0') return kDefaultLimit;
  char* end = nullptr;
  errno = 0;
  const long long mb = std::strtoll(value, &end, 10);
  TG_CHECK(end != value && *end == '\0' && errno == 0 && mb >= 0 && mb <= (int64_t{1} << 30),
           "TG_CPU_CACHE_MB: expected a whole number of MiB from 0 (no cache) to 2^30, got '",
           value, "'");
  return static_cast<int64_t>(mb) << 20;
}

size_t BlockCache::size_class(size_t n) {
  const size_t top = size_t{1} << (63 - __builtin_clzll(n));  // the largest power of two <= n
  const size_t step = top / 8;
  return (n + step - 1) / step * step;
}

void* BlockCache::allocate(size_t nbytes) {
  const size_t size = size_class(nbytes);
  {
    std::lock_guard<std::mutex> lock(mu_);
    // The most recently released block of this class: the likeliest to be in a cache still.
    auto best = free_.end();
    for (auto it = free_.begin(); it != free_.end(); ++it)
      if (it->size == size && (best == free_.end() || it->age > best->age)) best = it;
    if (best != free_.end()) {
      void* p = best->ptr;
      *best = free_.back();
      free_.pop_back();
      stats_.cached_bytes -= static_cast<int64_t>(size);
      --stats_.cached_blocks;
      ++stats_.hits;
      TG_UNPOISON(p, (nbytes + 63) / 64 * 64);  // the 64-byte padding vector loops may read
      return p;
    }
    ++stats_.misses;
  }
  void* p = std::aligned_alloc(64, size);
  if (p == nullptr) {  // give the cache back to the system, then try once more
    empty();
    p = std::aligned_alloc(64, size);
  }
  return p;
}

void BlockCache::release(void* ptr, size_t nbytes) {
  const size_t size = size_class(nbytes);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (static_cast<int64_t>(size) <= stats_.limit_bytes) {
      evict_to(stats_.limit_bytes - static_cast<int64_t>(size));
      TG_POISON(ptr, size);
      free_.push_back({ptr, size, next_age_++});
      stats_.cached_bytes += static_cast<int64_t>(size);
      ++stats_.cached_blocks;
      return;
    }
  }
  free_block(ptr, size);  // a reused block's tail past its last request may still be poisoned
}

void BlockCache::evict_to(int64_t bytes) {
  while (stats_.cached_bytes > bytes) {
    auto oldest = std::min_element(free_.begin(), free_.end(),
                                   [](const Entry& x, const Entry& y) { return x.age < y.age; });
    free_block(oldest->ptr, oldest->size);
    stats_.cached_bytes -= static_cast<int64_t>(oldest->size);
    --stats_.cached_blocks;
    *oldest = free_.back();
    free_.pop_back();
  }
}

void BlockCache::empty() {
  std::lock_guard<std::mutex> lock(mu_);
  evict_to(0);
}

void BlockCache::set_limit(int64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  stats_.limit_bytes = std::max<int64_t>(bytes, 0);
  evict_to(stats_.limit_bytes);
}

BlockCacheStats BlockCache::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

namespace small_blocks {
namespace {

constexpr int kClasses = 8;  // 512 B << 0 ... 512 B << 7 = 64 KiB

int class_of(size_t n) {  // the smallest c with 512 << c >= n
  return n <= 512 ? 0 : 64 - __builtin_clzll(n - 1) - 9;
}
size_t class_size(int c) { return size_t{512} << c; }

struct ThreadBlocks {
  void* blocks[kClasses][kSmallPerClass];
  int count[kClasses] = {};
  void empty() {
    for (int c = 0; c < kClasses; ++c) {
      for (int i = 0; i < count[c]; ++i) free_block(blocks[c][i], class_size(c));
      count[c] = 0;
    }
  }
};

// The calling thread's cache. The pointer and state are trivially destructible, so they can be
// read at any time, including from tensors freed by other thread_local or static destructors
// after `owner` has freed the cache (state 2: plain malloc / free from then on).
thread_local ThreadBlocks* tls_blocks = nullptr;
thread_local int tls_state = 0;  // 0: not made yet, 1: live, 2: the thread is ending
struct Owner {
  ~Owner() {
    if (tls_blocks != nullptr) {
      tls_blocks->empty();
      delete tls_blocks;
    }
    tls_blocks = nullptr;
    tls_state = 2;
  }
};
thread_local Owner owner;

ThreadBlocks* blocks() {
  if (tls_state == 1) return tls_blocks;
  if (tls_state == 2) return nullptr;
  (void)&owner;  // constructs it, which registers its destructor for this thread's exit
  tls_blocks = new ThreadBlocks();
  tls_state = 1;
  return tls_blocks;
}

}  // namespace

void* allocate(size_t nbytes) {
  const int c = class_of(nbytes);
  if (ThreadBlocks* t = blocks(); t != nullptr && t->count[c] > 0) {
    void* p = t->blocks[c][--t->count[c]];
    TG_UNPOISON(p, (nbytes + 63) / 64 * 64);
    return p;
  }
  return std::aligned_alloc(64, class_size(c));
}

void release(void* ptr, size_t nbytes) {
  const int c = class_of(nbytes);
  if (ThreadBlocks* t = blocks(); t != nullptr && t->count[c] < kSmallPerClass) {
    TG_POISON(ptr, class_size(c));
    t->blocks[c][t->count[c]++] = ptr;
    return;
  }
  free_block(ptr, class_size(c));  // as BlockCache::release
}

void empty_this_thread() {
  if (tls_state == 1) tls_blocks->empty();
}

}  // namespace small_blocks

BlockCache& block_cache() {
  // Never destroyed (see header). A bad TG_CPU_CACHE_MB throws here, at the first large block.
  static BlockCache* cache = new BlockCache(BlockCache::limit_from_env(std::getenv("TG_CPU_CACHE_MB")));
  return *cache;
}

}  // namespace tg::kernels::cpu
