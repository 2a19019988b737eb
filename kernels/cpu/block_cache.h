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

  // The limit that TG_CPU_CACHE_MB's value sets: unset or empty, 256 MiB; else a whole number of
  // MiB from 0 to 2^30, or a tg::Error naming the variable and the value.
  static int64_t limit_from_env(const char* value);

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

// Small blocks (kSmallMin < n <= kSmallMax bytes): each thread keeps up to kSmallPerClass freed
// blocks per power-of-two class (512 B ... 64 KiB, at most ~2 MiB per thread), 64-byte aligned,
// handed out again without a lock. The tensors of a training step on small batches are mostly
// such blocks: freed and allocated again at every step, they made glibc's aligned_alloc
// (which splits a chunk and frees its head) and its fastbin consolidation ~30% of a tiny MLP's
// forward+backward. A block may be freed on another thread than the one that allocated it: it
// then joins that thread's cache. A thread's cache is freed when the thread ends.
namespace small_blocks {
inline constexpr size_t kSmallMin = 256;          // up to here, malloc (16-byte aligned)
inline constexpr size_t kSmallMax = size_t{1} << 16;
inline constexpr int kSmallPerClass = 16;
void* allocate(size_t nbytes);  // kSmallMin < nbytes <= kSmallMax; nullptr when out of memory
void release(void* ptr, size_t nbytes);
void empty_this_thread();       // frees the calling thread's cached small blocks
}  // namespace small_blocks

}  // namespace tg::kernels::cpu
