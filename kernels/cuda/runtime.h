// kernels/cuda/runtime.h — the CUDA runtime side of the backend: devices, the caching allocator,
// host<->device transfers and the TF32 switch. Plain C++ (no CUDA headers), so that
// tensor/cuda.cpp can forward tg::cuda to it. Not a public header.
#pragma once

#include <cstddef>

#include "../../tensor/cuda.h"

namespace tg::kernels::cuda {

// Usable GPUs; 0 when the driver or the devices are missing (never throws).
int device_count();
// Throws tg::Error unless 0 <= index < device_count(), naming `op`.
void check_device_index(int index, const char* op);
// Makes `index` the calling thread's current device (cheap when it already is).
void set_device(int index);
void synchronize(int index);

// Caching allocator (allocator.cpp). allocate throws tg::Error on out-of-memory, after returning
// the cache to the driver and retrying once; it never returns null.
void* allocate(int device, size_t nbytes);
void deallocate(int device, void* ptr);
tg::cuda::MemoryStats memory_stats(int device);
void reset_peak_memory_stats(int device);
void empty_cache();

// Host<->device copies on the backend's stream, through a pinned staging buffer when large.
// Both return after the copy has finished (the host memory may be reused at once).
void copy_from_host(int device, void* dst, const void* src, size_t nbytes);
void copy_to_host(int device, void* dst, const void* src, size_t nbytes);

void set_allow_tf32(bool allow);
bool allow_tf32();

// A scratch block from the caching allocator, returned on scope exit (kernels' temp storage).
class DeviceBuffer {
 public:
  DeviceBuffer(int device, size_t nbytes)
      : device_(device), ptr_(nbytes ? allocate(device, nbytes) : nullptr) {}
  ~DeviceBuffer() {
    if (ptr_) deallocate(device_, ptr_);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  template <class T = void>
  T* get() const {
    return static_cast<T*>(ptr_);
  }

 private:
  int device_;
  void* ptr_;
};

}  // namespace tg::kernels::cuda
