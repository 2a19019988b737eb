// tensor/storage.h — a reference-counted block of memory on one device, shared by all views.
//
// Storage also owns the version counter: every in-place write to any view bumps it, which is how
// autograd detects that a tensor saved for backward was modified afterwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "device.h"

namespace tg {

// Per-device allocator statistics (bytes currently held by live storages, high-water mark, calls).
struct MemoryStats {
  int64_t allocated_bytes = 0;
  int64_t peak_allocated_bytes = 0;
  int64_t num_allocs = 0;
  int64_t num_frees = 0;
};

MemoryStats memory_stats(Device device = Device{});
void reset_peak_memory_stats(Device device = Device{});

class Storage {
 public:
  using Deleter = std::function<void(void*)>;

  // Allocates nbytes on `device` through that device's backend allocator.
  Storage(size_t nbytes, Device device);
  // Wraps external memory; `deleter` (may be empty) runs when the last view goes away.
  Storage(void* data, size_t nbytes, Device device, Deleter deleter);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }
  bool owns_memory() const { return !external_; }

  uint64_t version() const { return version_; }
  void bump_version() { ++version_; }

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  Device device_;
  bool external_ = false;
  uint64_t version_ = 0;
  Deleter deleter_;
};

}  // namespace tg
