// tensor/cpu.h — the CPU allocator's cache of large blocks (the CPU side of tensor/cuda.h's).
//
// Blocks of 1 MiB and more that tensors free are kept, by size class (eighth steps between powers
// of two), and handed to the next tensor of that class: their pages are already mapped, where a
// fresh block would page-fault on every 4 KiB of its first write. At most cache_limit() bytes are
// held, 256 MiB unless TG_CPU_CACHE_MB says otherwise (0 turns the cache off); the oldest blocks
// are freed first. Blocks of 257 B to 64 KiB are cached per thread (up to 16 per power-of-two
// class, ~2 MiB per thread at most, freed when the thread ends); up to 256 B, malloc's own
// per-thread caches do the same.
#pragma once

#include <cstdint>

namespace tg::cpu {

struct CacheStats {
  int64_t cached_bytes = 0;   // held for reuse now (by size class), not in any tensor
  int64_t cached_blocks = 0;  // blocks held for reuse now
  int64_t hits = 0;           // large allocations served from the cache
  int64_t misses = 0;         // large allocations that took new memory
  int64_t limit_bytes = 0;    // the most the cache holds
};
CacheStats cache_stats();
// Frees every cached large block, and the calling thread's small ones (tensors' memory is
// untouched).
void empty_cache();
// Sets the most the cache holds, freeing the oldest blocks past it; 0 turns the cache off.
void set_cache_limit(int64_t bytes);
int64_t cache_limit();

}  // namespace tg::cpu
