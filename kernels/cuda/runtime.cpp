// kernels/cuda/runtime.cpp — devices, the caching allocator and pinned-staged host transfers.
//
// Allocator: blocks are rounded up to a size class (multiples of 512 B up to 1 MiB; above that,
// quarter steps between powers of two, so at most 25% is wasted) and, when freed, kept in a free
// list per (stream, size class) for the next allocation of that class. Reuse without waiting is
// safe because every op runs on one stream (common.cuh): work queued later cannot overtake work
// queued earlier that still uses the block. A training loop that repeats the same shapes therefore
// stops calling cudaMalloc after its first step. Memory returns to the driver only in
// empty_cache(), or when cudaMalloc fails: then the cache is emptied and the allocation retried
// once before tg::Error reports the out-of-memory condition.
//
// Objects here are created on first use and deliberately never destroyed: tensors held in static
// variables may be freed after other statics are gone, and the CUDA runtime may already be shut
// down at exit, so freeing device memory in destructors would be unsafe.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common.cuh"

namespace tg::kernels::cuda {

void throw_cuda_error(int code, const char* call, const char* file, int line) {
  const auto e = static_cast<cudaError_t>(code);
  (void)cudaGetLastError();  // clear a non-sticky error so that the next call does not repeat it
  const char* short_file = std::strstr(file, "kernels/");
  TG_THROW("CUDA error ", cudaGetErrorName(e), " (", cudaGetErrorString(e), ") in ", call, " at ",
           short_file ? short_file : file, ":", line);
}

// ---- devices ------------------------------------------------------------------------------------

int device_count() {
  static const int count = [] {
    int n = 0;
    const cudaError_t err = cudaGetDeviceCount(&n);
    if (err != cudaSuccess) {  // no driver, no device: CPU only
      (void)cudaGetLastError();
      // Silent on machines without an NVIDIA driver; where one is installed (or TG_CUDA_DEBUG is
      // set) say why the GPU is unusable — e.g. a driver older than this build's CUDA runtime —
      // since the tests would otherwise only report "skipped".
      std::error_code ec;  // the non-throwing overload
      if (std::getenv("TG_CUDA_DEBUG") || std::filesystem::exists("/dev/nvidiactl", ec))
        std::fprintf(stderr, "tapegrad: no usable CUDA device: %s (%s); running on the CPU\n",
                     cudaGetErrorName(err), cudaGetErrorString(err));
      return 0;
    }
    return n;
  }();
  return count;
}

void check_device_index(int index, const char* op) {
  const int n = device_count();
  TG_CHECK(n > 0, op, ": tensor is on cuda:", index,
           " but no CUDA device is available on this machine");
  TG_CHECK(index >= 0 && index < n, op, ": tensor is on cuda:", index, " but only ", n,
           " CUDA device(s) are available (cuda:0 .. cuda:", n - 1, ")");
}

namespace {
thread_local int t_current_device = -1;
}  // namespace

void set_device(int index) {
  if (t_current_device == index) return;
  TG_CUDA_CHECK(cudaSetDevice(index));
  t_current_device = index;
}

void synchronize(int index) {
  check_device_index(index, "cuda::synchronize");
  set_device(index);
  TG_CUDA_CHECK(cudaDeviceSynchronize());
}

namespace {
std::atomic<bool> g_allow_tf32{false};
}  // namespace

void set_allow_tf32(bool allow) { g_allow_tf32.store(allow); }
bool allow_tf32() { return g_allow_tf32.load(); }

// ---- caching allocator --------------------------------------------------------------------------
namespace {

// size_class: launch_math.h.

struct DeviceCache {
  std::mutex mu;
  std::unordered_map<void*, size_t> live;  // block -> size class
  std::map<std::pair<cudaStream_t, size_t>, std::vector<void*>> free_blocks;
  tg::cuda::MemoryStats stats;

  // Returns every cached block to the driver. Caller holds mu and has made `device` current.
  void release_cached() {
    for (auto& [key, blocks] : free_blocks) {
      for (void* p : blocks) {
        (void)cudaFree(p);  // implicitly waits for the device; errors here cannot be acted on
        stats.reserved_bytes -= static_cast<int64_t>(key.second);
      }
    }
    free_blocks.clear();
  }
};

DeviceCache& cache(int device) {
  static auto* caches = [] {
    auto* v = new std::vector<DeviceCache*>();
    for (int i = 0; i < std::max(device_count(), 1); ++i) v->push_back(new DeviceCache());
    return v;
  }();
  return *(*caches)[static_cast<size_t>(device)];
}

}  // namespace

void* allocate(int device, size_t nbytes) {
  check_device_index(device, "allocate");
  set_device(device);
  const size_t size = size_class(nbytes);
  DeviceCache& c = cache(device);
  std::lock_guard<std::mutex> lock(c.mu);
  ++c.stats.num_allocs;
  void* p = nullptr;
  auto it = c.free_blocks.find({stream(), size});
  if (it != c.free_blocks.end() && !it->second.empty()) {
    p = it->second.back();
    it->second.pop_back();
    ++c.stats.num_cache_hits;
  } else {
    cudaError_t err = cudaMalloc(&p, size);
    if (err == cudaErrorMemoryAllocation) {  // give the cache back to the driver, then retry once
      (void)cudaGetLastError();
      c.release_cached();
      err = cudaMalloc(&p, size);
    }
    if (err == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();
      ++c.stats.num_ooms;
      size_t free_b = 0, total_b = 0;
      (void)cudaMemGetInfo(&free_b, &total_b);
      (void)cudaGetLastError();
      TG_THROW("allocate: CUDA out of memory allocating ", nbytes, " bytes on cuda:", device,
               " (tapegrad holds ", c.stats.allocated_bytes, " bytes in tensors; the device has ",
               free_b, " of ", total_b, " bytes free)");
    }
    TG_CUDA_CHECK(err);
    ++c.stats.num_device_mallocs;
    c.stats.reserved_bytes += static_cast<int64_t>(size);
  }
  c.live.emplace(p, size);
  c.stats.allocated_bytes += static_cast<int64_t>(size);
  c.stats.peak_allocated_bytes = std::max(c.stats.peak_allocated_bytes, c.stats.allocated_bytes);
  return p;
}

void deallocate(int device, void* ptr) {
  if (ptr == nullptr) return;
  DeviceCache& c = cache(device);
  std::lock_guard<std::mutex> lock(c.mu);
  auto it = c.live.find(ptr);
  if (it == c.live.end()) return;  // not ours: nothing sensible to do in a destructor path
  const size_t size = it->second;
  c.live.erase(it);
  c.stats.allocated_bytes -= static_cast<int64_t>(size);
  c.free_blocks[{stream(), size}].push_back(ptr);
}

tg::cuda::MemoryStats memory_stats(int device) {
  if (device_count() == 0) return {};
  check_device_index(device, "cuda::memory_stats");
  DeviceCache& c = cache(device);
  std::lock_guard<std::mutex> lock(c.mu);
  return c.stats;
}

void reset_peak_memory_stats(int device) {
  if (device_count() == 0) return;
  check_device_index(device, "cuda::reset_peak_memory_stats");
  DeviceCache& c = cache(device);
  std::lock_guard<std::mutex> lock(c.mu);
  c.stats.peak_allocated_bytes = c.stats.allocated_bytes;
}

void empty_cache() {
  for (int d = 0; d < device_count(); ++d) {
    set_device(d);
    DeviceCache& c = cache(d);
    std::lock_guard<std::mutex> lock(c.mu);
    c.release_cached();
  }
}

// ---- host <-> device copies ---------------------------------------------------------------------
namespace {

// Below this, one plain cudaMemcpy (the driver stages small pageable copies itself).
constexpr size_t kDirectCopy = size_t{1} << 20;
constexpr size_t kChunk = size_t{4} << 20;

// Two pinned buffers per device, used in turn so that the host-side memcpy of one chunk overlaps
// the DMA of the other. `done[k]` is recorded after buffer k's transfer.
struct Staging {
  std::mutex mu;
  void* buf[2] = {nullptr, nullptr};
  cudaEvent_t done[2] = {};
  bool pending[2] = {false, false};

  void init() {
    if (buf[0]) return;
    for (int k = 0; k < 2; ++k) {
      TG_CUDA_CHECK(cudaHostAlloc(&buf[k], kChunk, cudaHostAllocPortable));
      TG_CUDA_CHECK(cudaEventCreateWithFlags(&done[k], cudaEventDisableTiming));
    }
  }
  void wait(int k) {
    if (pending[k]) TG_CUDA_CHECK(cudaEventSynchronize(done[k]));
    pending[k] = false;
  }
  void record(int k) {
    TG_CUDA_CHECK(cudaEventRecord(done[k], stream()));
    pending[k] = true;
  }
};

Staging& staging(int device) {
  static auto* s = [] {
    auto* v = new std::vector<Staging*>();
    for (int i = 0; i < std::max(device_count(), 1); ++i) v->push_back(new Staging());
    return v;
  }();
  return *(*s)[static_cast<size_t>(device)];
}

}  // namespace

void copy_from_host(int device, void* dst, const void* src, size_t nbytes) {
  if (nbytes == 0) return;
  set_device(device);
  if (nbytes <= kDirectCopy) {
    TG_CUDA_CHECK(cudaMemcpy(dst, src, nbytes, cudaMemcpyHostToDevice));
    return;
  }
  Staging& s = staging(device);
  std::lock_guard<std::mutex> lock(s.mu);
  s.init();
  int k = 0;
  for (size_t off = 0; off < nbytes; off += kChunk, k ^= 1) {
    const size_t len = std::min(kChunk, nbytes - off);
    s.wait(k);  // the DMA that last read this buffer is done
    std::memcpy(s.buf[k], static_cast<const char*>(src) + off, len);
    TG_CUDA_CHECK(cudaMemcpyAsync(static_cast<char*>(dst) + off, s.buf[k], len,
                                  cudaMemcpyHostToDevice, stream()));
    s.record(k);
  }
  s.wait(0);
  s.wait(1);
}

void copy_to_host(int device, void* dst, const void* src, size_t nbytes) {
  if (nbytes == 0) return;
  set_device(device);
  if (nbytes <= kDirectCopy) {
    TG_CUDA_CHECK(cudaMemcpy(dst, src, nbytes, cudaMemcpyDeviceToHost));
    return;
  }
  Staging& s = staging(device);
  std::lock_guard<std::mutex> lock(s.mu);
  s.init();
  const size_t chunks = (nbytes + kChunk - 1) / kChunk;
  auto issue = [&](size_t c) {
    const int k = static_cast<int>(c & 1);
    const size_t off = c * kChunk, len = std::min(kChunk, nbytes - off);
    TG_CUDA_CHECK(cudaMemcpyAsync(s.buf[k], static_cast<const char*>(src) + off, len,
                                  cudaMemcpyDeviceToHost, stream()));
    s.record(k);
  };
  issue(0);
  for (size_t c = 0; c < chunks; ++c) {
    if (c + 1 < chunks) issue(c + 1);  // its buffer was drained by the host in iteration c - 1
    const int k = static_cast<int>(c & 1);
    s.wait(k);
    const size_t off = c * kChunk, len = std::min(kChunk, nbytes - off);
    std::memcpy(static_cast<char*>(dst) + off, s.buf[k], len);
  }
}

}  // namespace tg::kernels::cuda
