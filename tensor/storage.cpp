// tensor/storage.cpp — Storage lifetime and per-device memory statistics.
#include "storage.h"

#include <atomic>

#include "../kernels/backend.h"

namespace tg {
namespace {

struct DeviceCounters {
  std::atomic<int64_t> allocated{0};
  std::atomic<int64_t> peak{0};
  std::atomic<int64_t> allocs{0};
  std::atomic<int64_t> frees{0};
};

DeviceCounters& counters(Device d) {
  static DeviceCounters c[kNumDeviceTypes];
  return c[static_cast<int>(d.type)];
}

void on_alloc(Device d, size_t n) {
  auto& c = counters(d);
  int64_t now = c.allocated.fetch_add(static_cast<int64_t>(n), std::memory_order_relaxed) +
                static_cast<int64_t>(n);
  int64_t peak = c.peak.load(std::memory_order_relaxed);
  while (now > peak && !c.peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
  c.allocs.fetch_add(1, std::memory_order_relaxed);
}

void on_free(Device d, size_t n) {
  auto& c = counters(d);
  c.allocated.fetch_sub(static_cast<int64_t>(n), std::memory_order_relaxed);
  c.frees.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

MemoryStats memory_stats(Device device) {
  auto& c = counters(device);
  return {c.allocated.load(), c.peak.load(), c.allocs.load(), c.frees.load()};
}

void reset_peak_memory_stats(Device device) {
  auto& c = counters(device);
  c.peak.store(c.allocated.load());
}

Storage::Storage(size_t nbytes, Device device) : nbytes_(nbytes), device_(device) {
  data_ = kernels::backend(device, "allocate").allocate(nbytes);
  on_alloc(device, nbytes);
}

Storage::Storage(void* data, size_t nbytes, Device device, Deleter deleter)
    : data_(data), nbytes_(nbytes), device_(device), external_(true), deleter_(std::move(deleter)) {}

Storage::~Storage() {
  if (external_) {
    if (deleter_) deleter_(data_);
    return;
  }
  kernels::backend(device_).deallocate(data_, nbytes_);
  on_free(device_, nbytes_);
}

}  // namespace tg
