// kernels/cpu/block_cache.cpp — the bounded cache of large freed CPU blocks (block_cache.h).
#include "block_cache.h"

#include <algorithm>
#include <cstdlib>
#include <string>

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

// TG_CPU_CACHE_MB: the limit in MiB (0 turns the cache off); unset or unreadable: the default.
int64_t limit_from_env() {
  const char* env = std::getenv("TG_CPU_CACHE_MB");
  if (env == nullptr || *env == '\0') return kDefaultLimit;
  char* end = nullptr;
  const long long mb = std::strtoll(env, &end, 10);
  if (*end != '\0' || mb < 0 || mb > (int64_t{1} << 30)) return kDefaultLimit;
  return static_cast<int64_t>(mb) << 20;
}

void free_block(void* p, size_t size) {
  TG_UNPOISON(p, size);
  std::free(p);
}

}  // namespace

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
  std::free(ptr);
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

BlockCache& block_cache() {
  static BlockCache* cache = new BlockCache(limit_from_env());  // never destroyed (see header)
  return *cache;
}

}  // namespace tg::kernels::cpu
