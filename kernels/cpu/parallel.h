// kernels/cpu/parallel.h — OpenMP helpers with a size threshold.
//
// Entering an OpenMP parallel region costs about a microsecond, far more than a small op, so work
// below kGrain elements always runs serially. Chunk boundaries depend only on the range and the
// grain (never on the thread count), which keeps blocked reductions bitwise reproducible.
#pragma once

#include <cstdint>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace tg::kernels::cpu {

inline constexpr int64_t kGrain = 32768;

inline int max_threads() {
#ifdef _OPENMP
  return omp_in_parallel() ? 1 : omp_get_max_threads();
#else
  return 1;
#endif
}

// Calls f(begin, end) over [0, n) in chunks of at least `grain` elements, in parallel when worth it.
template <class F>
void parallel_for(int64_t n, int64_t grain, F&& f) {
  if (n <= 0) return;
  int threads = max_threads();
  if (n <= grain || threads <= 1) {
    f(int64_t{0}, n);
    return;
  }
  int64_t chunks = (n + grain - 1) / grain;
  if (chunks > threads) chunks = threads;
  int64_t per = (n + chunks - 1) / chunks;
#ifdef _OPENMP
#pragma omp parallel for num_threads(static_cast<int>(chunks)) schedule(static)
#endif
  for (int64_t c = 0; c < chunks; ++c) {
    int64_t b = c * per, e = b + per < n ? b + per : n;
    if (b < e) f(b, e);
  }
}

}  // namespace tg::kernels::cpu
