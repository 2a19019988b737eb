// tensor/cpu.cpp — tg::cpu: forwards to the CPU backend's block cache (kernels/cpu/block_cache.h).
#include "cpu.h"

#include "../kernels/cpu/block_cache.h"
#include "error.h"

namespace tg::cpu {

CacheStats cache_stats() {
  const auto s = kernels::cpu::block_cache().stats();
  return {s.cached_bytes, s.cached_blocks, s.hits, s.misses, s.limit_bytes};
}

void empty_cache() {
  kernels::cpu::block_cache().empty();
  kernels::cpu::small_blocks::empty_this_thread();
}

void set_cache_limit(int64_t bytes) {
  TG_CHECK(bytes >= 0, "cpu::set_cache_limit: the limit must be >= 0 bytes, got ", bytes);
  kernels::cpu::block_cache().set_limit(bytes);
}

int64_t cache_limit() { return kernels::cpu::block_cache().stats().limit_bytes; }

}  // namespace tg::cpu
