// tests/test_gemm_packed_isa.cpp — each ISA table of the packed GEMM (gemm_packed_avx512.cpp,
// gemm_packed_avx2.cpp) called directly, whichever one tg::matmul picks on this CPU: against a
// long double reference on every operand layout, shallow and matrix-vector shapes included, and
// the AVX2 and AVX-512 tables bitwise equal on packed shapes (both run each element of C as the
// same FMA chain per 256-deep block; gemm_packed.h). Tables this CPU cannot run are skipped
// with a message.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.h>

#include "../kernels/cpu/gemm_packed.h"

namespace {

namespace cpu = tg::kernels::cpu;

struct Table {
  const char* isa;
  const cpu::PackedGemm* f32;
  const cpu::PackedGemm* f64;
};

// The tables this CPU runs (a table's name is null when its file was built without its flags).
std::vector<Table> tables() {
  std::vector<Table> out;
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") &&
                      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512vl");
  if (avx2 && cpu::kPackedAvx2F32.name)
    out.push_back({"avx2", &cpu::kPackedAvx2F32, &cpu::kPackedAvx2F64});
  else
    MESSAGE("SKIPPED: the AVX2 packed GEMM table (this CPU or build lacks AVX2+FMA)");
  if (avx512 && cpu::kPackedAvx512F32.name)
    out.push_back({"avx512", &cpu::kPackedAvx512F32, &cpu::kPackedAvx512F64});
  else
    MESSAGE("SKIPPED: the AVX-512 packed GEMM table (this CPU or build lacks AVX-512)");
#endif
  return out;
}

struct Shape {
  int64_t n, k, m;
};

// C = alpha * A W + beta * C0 for one table, one layout; returns C (row-major n x m, ldc = m).
template <class T>
std::vector<T> run(const cpu::PackedGemm& pk, const Shape& s, bool a_row, bool w_row,
                   const std::vector<T>& a, const std::vector<T>& w, const std::vector<T>& c0,
                   double alpha, double beta) {
  std::vector<T> c = c0;
  const tg::kernels::cpu::simd::GemmArgs g{a.data(), w.data(), c.data(), s.n, s.k, s.m,
                                           a_row ? s.k : s.n, w_row ? s.m : s.k, s.m,
                                           a_row, w_row, alpha, beta};
  if (!cpu::packed_gemm(pk, g, std::is_same_v<T, double>, true)) c.clear();  // layout refused
  return c;
}

template <class T>
void check_dtype(const std::vector<Table>& tabs, double tol) {
  const Shape shapes[] = {
      {37, 300, 45},    // edge tiles both ways, two depth blocks (256 + 44)
      {100, 513, 70},   // three depth blocks
      {14, 8, 16},      // the smallest packed shape
      {200, 256, 1030}, // column blocks past 1024 (float) / 512 (double)
      {130, 40, 64},    // W of two panels (float, AVX-512): A read in place when row-major
      {1, 50, 33},      // a row vector times W (thin)
      {40, 50, 1},      // W is a column (thin)
      {30, 5, 40},      // shallow (k < 8, thin)
  };
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> dist(-1, 1);
  for (const Shape& s : shapes) {
    std::vector<T> a(static_cast<size_t>(s.n * s.k)), w(static_cast<size_t>(s.k * s.m)),
        c0(static_cast<size_t>(s.n * s.m));
    for (auto* v : {&a, &w, &c0})
      for (T& x : *v) x = static_cast<T>(dist(rng));
    for (int layout = 0; layout < 4; ++layout) {
      const bool a_row = layout & 1, w_row = layout & 2;
      for (const auto& [alpha, beta] : {std::pair{1.0, 0.0}, std::pair{0.5, 2.0}}) {
        CAPTURE(s.n);
        CAPTURE(s.k);
        CAPTURE(s.m);
        CAPTURE(a_row);
        CAPTURE(w_row);
        CAPTURE(beta);
        // The reference: A(i, p) and W(p, j) in each layout, summed in long double.
        std::vector<long double> ref(c0.size());
        for (int64_t i = 0; i < s.n; ++i)
          for (int64_t j = 0; j < s.m; ++j) {
            long double acc = 0;
            for (int64_t p = 0; p < s.k; ++p)
              acc += static_cast<long double>(a_row ? a[i * s.k + p] : a[p * s.n + i]) *
                     static_cast<long double>(w_row ? w[p * s.m + j] : w[j * s.k + p]);
            ref[i * s.m + j] = alpha * acc + beta * c0[i * s.m + j];
          }
        std::vector<std::vector<T>> results;
        for (const Table& t : tabs) {
          CAPTURE(t.isa);
          const cpu::PackedGemm& pk = std::is_same_v<T, double> ? *t.f64 : *t.f32;
          std::vector<T> c = run<T>(pk, s, a_row, w_row, a, w, c0, alpha, beta);
          const bool thin = s.n == 1 || s.m == 1 || s.k < 8;
          if (c.empty()) {  // only thin products may refuse a layout (then Eigen runs them)
            CHECK(thin);
            continue;
          }
          double worst = 0;
          for (size_t q = 0; q < c.size(); ++q)
            worst = std::max(worst, static_cast<double>(std::fabs(c[q] - ref[q])));
          CHECK(worst <= tol * std::sqrt(static_cast<double>(s.k)));
          if (!thin) results.push_back(std::move(c));
        }
        // Packed products: every table gives the same bits.
        for (size_t r = 1; r < results.size(); ++r)
          CHECK(std::memcmp(results[r].data(), results[0].data(), results[0].size() * sizeof(T)) ==
                0);
      }
    }
  }
}

}  // namespace

TEST_CASE("gemm packed ISA tables: each matches a long double reference, and AVX2 and AVX-512 agree bitwise") {
  const std::vector<Table> tabs = tables();
  if (tabs.empty()) return;
  check_dtype<float>(tabs, 2e-6);
  check_dtype<double>(tabs, 1e-14);
}
