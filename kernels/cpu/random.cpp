// kernels/cpu/random.cpp — Philox-based fills. Element i depends only on (seed, offset + i),
// so results are identical for any thread count (and match the CUDA backend's kernels).
#include <cmath>

#include "cpu_kernels.h"
#include "parallel.h"
#include "simd.h"

namespace tg::kernels::cpu {
namespace {

template <class F>
void for_each_counter(const Tensor& out, F&& f) {
  TG_INTERNAL_ASSERT(out.is_contiguous());
  parallel_for(out.numel(), 4096, [&](int64_t b, int64_t e) {
    uint32_t w[4];
    for (int64_t i = b; i < e; ++i) f(i, w);
  });
}

}  // namespace

void uniform(const Tensor& out, uint64_t seed, uint64_t offset, double low, double high) {
  dispatch_floating(out.dtype(), "rand", [&]<class T>() {
    T* p = static_cast<T*>(out.data_ptr());
    const T lo = static_cast<T>(low), span = static_cast<T>(high - low);
    if constexpr (std::is_same_v<T, float>) {
      // 8 counters per vector (dropout masks made this a sixth of an NCF-MLP epoch, scalar).
      TG_INTERNAL_ASSERT(out.is_contiguous());
      const simd::Kernels& k = simd::kernels();
      parallel_for(out.numel(), 4096, [&](int64_t b, int64_t e) {
        k.uniform_f32(p + b, e - b, seed, offset + static_cast<uint64_t>(b), lo, span);
      });
      return;
    }
    for_each_counter(out, [&](int64_t i, uint32_t(&w)[4]) {
      Philox::generate(seed, offset + static_cast<uint64_t>(i), w);
      p[i] = lo + span * Philox::uniform<T>(w, 0);
    });
  });
}

void normal(const Tensor& out, uint64_t seed, uint64_t offset, double mean, double stddev) {
  dispatch_floating(out.dtype(), "randn", [&]<class T>() {
    T* p = static_cast<T*>(out.data_ptr());
    for_each_counter(out, [&](int64_t i, uint32_t(&w)[4]) {
      Philox::generate(seed, offset + static_cast<uint64_t>(i), w);
      // Box-Muller on two independent uniforms; 1 - u keeps the log argument in (0, 1].
      double u1 = 1.0 - Philox::uniform<double>(w, 0);
      double u2 = Philox::uniform<double>(w, 2);
      double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
      p[i] = static_cast<T>(mean + stddev * z);
    });
  });
}

void randint(const Tensor& out, uint64_t seed, uint64_t offset, int64_t low, int64_t high) {
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  dispatch(out.dtype(), "randint", [&]<class T>() {
    T* p = static_cast<T*>(out.data_ptr());
    for_each_counter(out, [&](int64_t i, uint32_t(&w)[4]) {
      Philox::generate(seed, offset + static_cast<uint64_t>(i), w);
      uint64_t r = static_cast<uint64_t>(w[0]) << 32 | w[1];
      // Lemire's multiply-shift maps 64 random bits onto [0, range) without a division.
      uint64_t v = static_cast<uint64_t>((static_cast<unsigned __int128>(r) * range) >> 64);
      p[i] = static_cast<T>(low + static_cast<int64_t>(v));
    });
  });
}

}  // namespace tg::kernels::cpu
