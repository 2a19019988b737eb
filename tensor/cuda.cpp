// tensor/cuda.cpp — tg::cuda: forwards to the CUDA backend (kernels/cuda/runtime.h), or answers
// "no GPU" in builds without CUDA.
#include "cuda.h"

#ifdef TG_WITH_CUDA
#include "../kernels/cuda/runtime.h"
#endif

namespace tg::cuda {

#ifdef TG_WITH_CUDA

bool is_available() { return kernels::cuda::device_count() > 0; }
int device_count() { return kernels::cuda::device_count(); }
void synchronize(int device) { kernels::cuda::synchronize(device); }
MemoryStats memory_stats(int device) { return kernels::cuda::memory_stats(device); }
void reset_peak_memory_stats(int device) { kernels::cuda::reset_peak_memory_stats(device); }
void empty_cache() { kernels::cuda::empty_cache(); }
void set_allow_tf32(bool allow) { kernels::cuda::set_allow_tf32(allow); }
bool allow_tf32() { return kernels::cuda::allow_tf32(); }

#else

namespace {
bool g_allow_tf32 = false;  // remembered, so that the setting reads back the same everywhere
}  // namespace

bool is_available() { return false; }
int device_count() { return 0; }
void synchronize(int) {}
MemoryStats memory_stats(int) { return {}; }
void reset_peak_memory_stats(int) {}
void empty_cache() {}
void set_allow_tf32(bool allow) { g_allow_tf32 = allow; }
bool allow_tf32() { return g_allow_tf32; }

#endif

}  // namespace tg::cuda
