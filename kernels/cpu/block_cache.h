// kernels/cpu/block_cache.h — a bounded cache of large freed CPU blocks.
//
// Why: glibc maps a block of 32 MiB or more afresh on every malloc and unmaps it on free (smaller
// large blocks go back and forth between the heap's top and the kernel as it trims). A fresh
// mapping costs one page fault per 4 KiB page when it is first written, and the kernel zeroes each
// page. For c = a + b on 16M floats that was about a third of the time (docs/benchmarks.md,
// session 8). A training loop allocates the same large temporaries every step, so CpuBackend keeps
// freed blocks of at least kMinBytes here, by size class, and hands them out again: the pages are
// already mapped. PyTorch's CUDA allocator does the same for GPU memory; its CPU allocator does not.
//
// Bounded: at most limit() bytes are held (default 256 MiB; TG_CPU_CACHE_MB sets it, 0 turns the
// cache off); the oldest blocks go first. tg::cpu::empty_cache() returns everything to the system.
// Under AddressSanitizer a cached block is poisoned, so a use after free still reports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace tg::kernels::cpu {

struct BlockCacheStats {
  int64_t cached_bytes = 0;   // held in the cache now (by size class)
  int64_t cached_blocks = 0;  // blocks held in the cache now
  int64_t hits = 0;           // large allocations served from the cache
  int64_t misses = 0;         // large allocations that needed new memory
  int64_t limit_bytes = 0;    // the most the cache holds
};

class BlockCache {
 public:
  static constexpr size_t kMinBytes = size_t{1} << 20;  // smaller blocks are malloc's business

  // The size class of an n-byte block (n >= kMinBytes): eighth steps between powers of two, so
  // at most 12.5% more than asked. A block is allocated and cached at its class size.
  static size_t size_class(size_t n);

  // A block of at least nbytes (>= kMinBytes), 64-byte aligned: a cached one of the same size
  // class, else a new one. nullptr when the system has no memory even after emptying the cache.
  void* allocate(size_t nbytes);
  // Takes back a block from allocate(nbytes): cached (evicting the oldest blocks past the limit)
  // or freed.
  void release(void* ptr, size_t nbytes);

  void empty();
  void set_limit(int64_t bytes);  // also evicts down to the new limit; 0 disables the cache
  BlockCacheStats stats() const;

  explicit BlockCache(int64_t limit_bytes) { stats_.limit_bytes = limit_bytes; }

 private:
  struct Entry {
    void* ptr;
    size_t size;   // the size class
    uint64_t age;  // release order: the smallest is the oldest
  };
  void evict_to(int64_t bytes);  // caller holds mu_

  mutable std::mutex mu_;
  std::vector<Entry> free_;  // at most limit / 1 MiB entries: a linear scan is cheap
  uint64_t next_age_ = 0;
  BlockCacheStats stats_;
};

// The process's cache (CpuBackend's). Never destroyed, so tensors freed at exit can still use it.
BlockCache& block_cache();

}  // namespace tg::kernels::cpu
