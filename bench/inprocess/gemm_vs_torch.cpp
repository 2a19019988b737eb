// bench/inprocess/gemm_vs_torch.cpp — tg::mm against at::mm (PyTorch's MKL) in ONE process.
//
// scripts/bench-compare.sh runs tapegrad and PyTorch as separate processes, minutes apart; on a
// shared machine the load of other tenants then moves single GEMM ratios by 10-20% between runs.
// Here both libraries multiply the same operands in alternation (tapegrad, PyTorch, tapegrad,
// ... for `rounds` rounds), so both see the same minutes of load, and the ratio is the median
// over rounds of the per-round ratio. Built and run by scripts/bench-gemm-inprocess.sh against
// the libtorch of .venv-bench (bench only: nothing else in tapegrad links PyTorch).
//
// Output: one line per shape, and with --json one JSON object per shape.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.h>

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}

struct Shape {
  int64_t n, k, m;
};

}  // namespace

int main(int argc, char** argv) {
  int threads = 1, rounds = 21;
  bool json = false;
  std::vector<Shape> shapes = {{256, 256, 256},   {512, 512, 512}, {1024, 1024, 1024},
                               {2048, 2048, 2048}, {1024, 128, 64}, {256, 64, 32}};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--rounds" && i + 1 < argc) rounds = std::atoi(argv[++i]);
    else if (a == "--json") json = true;
    else if (a == "--shapes" && i + 1 < argc) {
      shapes.clear();  // "NxKxM,NxKxM,...": C[N, M] = A[N, K] B[K, M]
      for (const char* p = argv[++i]; *p;) {
        Shape s{};
        int used = 0;
        if (std::sscanf(p, "%ldx%ldx%ld%n", &s.n, &s.k, &s.m, &used) != 3 || s.n < 1 || s.k < 1 ||
            s.m < 1) {
          std::fprintf(stderr, "gemm_vs_torch: bad --shapes entry at '%s' (want NxKxM,...)\n", p);
          return 2;
        }
        shapes.push_back(s);
        p += used;
        if (*p == ',') ++p;
      }
    } else {
      std::fprintf(stderr,
                   "usage: %s [--threads N] [--rounds R] [--shapes NxKxM,...] [--json]\n",
                   argv[0]);
      return 2;
    }
  }
  if (threads < 1 || rounds < 1) {
    std::fprintf(stderr, "gemm_vs_torch: --threads and --rounds must be >= 1\n");
    return 2;
  }
  tg::set_num_threads(threads);
  at::set_num_threads(threads);
  std::printf("# tg::mm (backend %s) vs at::mm (PyTorch, MKL %s), %d thread(s), %d rounds, "
              "float32\n",
              tg::gemm_backend().c_str(), at::globalContext().hasMKL() ? "yes" : "no", threads,
              rounds);
  for (const Shape& s : shapes) {
    tg::Generator gen(1);
    const tg::Tensor a = tg::randn({s.n, s.k}, &gen), b = tg::randn({s.k, s.m}, &gen);
    // The same values on both sides (PyTorch wraps tapegrad's memory, which outlives it here).
    const at::Tensor ta = at::from_blob(a.data_ptr(), {s.n, s.k}, at::kFloat);
    const at::Tensor tb = at::from_blob(b.data_ptr(), {s.k, s.m}, at::kFloat);
    const double flop = 2.0 * double(s.n) * double(s.k) * double(s.m);
    const int reps = std::max(2, int(3e8 / flop));  // ~2-3 ms of work per timing
    std::vector<double> tg_rate, pt_rate, ratio;
    for (int r = 0; r < rounds; ++r) {
      tg::mm(a, b);  // warm: scratch buffers, caches
      double t0 = now();
      for (int i = 0; i < reps; ++i) tg::mm(a, b);
      const double t_tg = (now() - t0) / reps;
      at::mm(ta, tb);
      t0 = now();
      for (int i = 0; i < reps; ++i) at::mm(ta, tb);
      const double t_pt = (now() - t0) / reps;
      tg_rate.push_back(flop / t_tg / 1e9);
      pt_rate.push_back(flop / t_pt / 1e9);
      ratio.push_back(t_pt / t_tg);
    }
    // The two results must agree: a fast wrong answer is not a result.
    const float err = (at::from_blob(tg::mm(a, b).contiguous().data_ptr(), {s.n, s.m}, at::kFloat) -
                       at::mm(ta, tb))
                          .abs()
                          .max()
                          .item<float>();
    const std::string name = std::to_string(s.n) + "x" + std::to_string(s.k) + "x" +
                             std::to_string(s.m);
    if (json)
      std::printf(
          "{\"shape\": \"%s\", \"threads\": %d, \"tapegrad_gflops\": %.2f, "
          "\"pytorch_gflops\": %.2f, \"ratio\": %.3f, \"ratio_min\": %.3f, \"ratio_max\": %.3f, "
          "\"max_abs_diff\": %.3g}\n",
          name.c_str(), threads, median(tg_rate), median(pt_rate), median(ratio),
          *std::min_element(ratio.begin(), ratio.end()),
          *std::max_element(ratio.begin(), ratio.end()), err);
    else
      std::printf("%-16s tapegrad %6.1f GFLOP/s  PyTorch %6.1f GFLOP/s  ratio %.2fx "
                  "(rounds %.2f-%.2f)  max |diff| %.2g\n",
                  name.c_str(), median(tg_rate), median(pt_rate), median(ratio),
                  *std::min_element(ratio.begin(), ratio.end()),
                  *std::max_element(ratio.begin(), ratio.end()), err);
    std::fflush(stdout);
  }
  return 0;
}
