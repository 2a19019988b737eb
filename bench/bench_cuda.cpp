// bench/bench_cuda.cpp — CUDA timings of tapegrad, the twin of bench/pytorch/bench_cuda.py.
//
// A plain program (the GPU machine has no Google Benchmark): each workload runs a few warm-up
// iterations, then a timed loop closed by tg::cuda::synchronize(), so the time covers the GPU
// work, not just the launches. Prints "workload<TAB>value<TAB>unit" lines, which
// scripts/device-check.sh joins with PyTorch's into results.md.
#include <chrono>
#include <cstdio>

#include <tapegrad/tapegrad.h>

namespace {

const tg::Device kGpu{tg::kCUDA, 0};

// Milliseconds per call of f, averaged over `iters` calls after `warmup` calls.
template <class F>
double time_ms(F&& f, int iters, int warmup = 3) {
  for (int i = 0; i < warmup; ++i) f();
  tg::cuda::synchronize();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < iters; ++i) f();
  tg::cuda::synchronize();
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::milli>(t1 - t0).count() / iters;
}

void report(const char* name, double value, const char* unit) {
  std::printf("%s\t%.6g\t%s\n", name, value, unit);
  std::fflush(stdout);
}

}  // namespace

int main() {
  if (!tg::cuda::is_available()) {
    std::fprintf(stderr, "bench_cuda: no CUDA device\n");
    return 77;
  }
  tg::Generator gen(0);
  {
    tg::NoGradGuard no_grad;
    for (int64_t n : {1024, 4096}) {  // float32 GEMM, TF32 off (tapegrad's default)
      tg::Tensor a = tg::randn({n, n}, &gen, tg::kFloat32, kGpu);
      tg::Tensor b = tg::randn({n, n}, &gen, tg::kFloat32, kGpu);
      const double ms = time_ms([&] { (void)tg::matmul(a, b); }, n == 1024 ? 100 : 10);
      report(n == 1024 ? "gemm_f32_1024" : "gemm_f32_4096", 2.0 * n * n * n / (ms * 1e9),
             "TFLOP/s");
    }
    const int64_t n = int64_t{64} << 20;  // 64M float32
    tg::Tensor a = tg::randn({n}, &gen, tg::kFloat32, kGpu);
    tg::Tensor b = tg::randn({n}, &gen, tg::kFloat32, kGpu);
    double ms = time_ms([&] { (void)(a + b); }, 20);
    report("add_f32_64M", 3.0 * 4 * n / (ms * 1e6), "GB/s");
    ms = time_ms([&] { (void)a.clone(); }, 20);
    report("copy_d2d_f32_64M", 2.0 * 4 * n / (ms * 1e6), "GB/s");
    tg::Tensor x = tg::ones({1}, tg::kFloat32, kGpu), y = tg::ones({1}, tg::kFloat32, kGpu);
    ms = time_ms([&] { (void)(x + y); }, 20000, 100);
    report("add_1elem", ms * 1e3, "us/op");
  }
  {  // sparse embedding step: lookup + backward (sparse rows) + SparseAdam, batch 65,536
    const int64_t rows = 1'000'000, dim = 64, batch = 65'536;
    tg::Tensor table = tg::randn({rows, dim}, &gen, tg::kFloat32, kGpu).mul_(0.01).requires_grad_();
    tg::optim::SparseAdam opt({table}, {.lr = 1e-3});
    tg::Tensor ids = tg::randint(0, rows, {batch}, &gen, tg::kInt64, kGpu);
    tg::Tensor up = tg::randn({batch, dim}, &gen, tg::kFloat32, kGpu);
    const double ms = time_ms(
        [&] {
          opt.zero_grad();
          (tg::embedding(table, ids, true) * up).sum().backward();
          opt.step();
        },
        20);
    report("embedding_sparseadam_b65536_1Mx64", ms, "ms/step");
  }
  const tg::cuda::MemoryStats s = tg::cuda::memory_stats();
  std::fprintf(stderr,
               "allocator: peak %lld MiB, reserved %lld MiB, %lld cudaMalloc calls, %lld of %lld "
               "from cache\n",
               static_cast<long long>(s.peak_allocated_bytes >> 20),
               static_cast<long long>(s.reserved_bytes >> 20),
               static_cast<long long>(s.num_device_mallocs),
               static_cast<long long>(s.num_cache_hits), static_cast<long long>(s.num_allocs));
  return 0;
}
