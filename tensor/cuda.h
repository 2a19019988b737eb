// tensor/cuda.h — the CUDA device: availability, synchronisation, the caching allocator, TF32.
//
// Tensors live on a GPU when created with Device{kCUDA, i} (or moved there with .to()); every op
// then runs on that GPU. These functions work in every build: without CUDA support (or without a
// usable GPU) is_available() is false, device_count() is 0, the statistics are zero and the rest
// do nothing. No CUDA header is included here.
#pragma once

#include <cstdint>

namespace tg::cuda {

// True when tapegrad was built with CUDA and at least one GPU is usable.
bool is_available();
// Number of usable GPUs (0 without CUDA support, a driver or a device).
int device_count();
// Waits until all work queued on GPU `device` has finished.
void synchronize(int device = 0);

// The caching allocator of one GPU. Freed blocks stay cached by size class for reuse; they return
// to the driver only on empty_cache() (or, once, when an allocation would otherwise fail).
struct MemoryStats {
  int64_t allocated_bytes = 0;       // in blocks handed to tensors now (rounded to the size class)
  int64_t peak_allocated_bytes = 0;  // high-water mark of allocated_bytes
  int64_t reserved_bytes = 0;        // held from the driver: allocated + cached
  int64_t num_allocs = 0;            // allocate calls
  int64_t num_cache_hits = 0;        // of which served from the cache
  int64_t num_device_mallocs = 0;    // cudaMalloc calls
  int64_t num_ooms = 0;              // allocations that failed even after emptying the cache
};
MemoryStats memory_stats(int device = 0);
void reset_peak_memory_stats(int device = 0);
// Returns every cached (unused) block of every GPU to the driver.
void empty_cache();

// float32 matmuls may use TF32 tensor cores (10-bit mantissa inputs) when allowed. Off by default,
// so CUDA results stay close to the CPU's; on for speed where 1e-3 relative error is fine.
void set_allow_tf32(bool allow);
bool allow_tf32();

}  // namespace tg::cuda
