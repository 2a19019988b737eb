// tests/test_gemm_backend.cpp — the GEMM backend switch (kernels/cpu/gemm_backend.h): tapegrad's
// packed kernel and OpenBLAS agree with Eigen on every operand layout matmul can hand them, each
// is bitwise independent of the thread count (the packed kernel also of any row split), `auto`
// never settles for OpenBLAS's generic kernels, and bad names are tg::Errors. Without OpenBLAS
// the OpenBLAS cases say they were skipped, unless TG_REQUIRE_OPENBLAS=1 (set by .ci/run, whose
// machine installs it), where its absence fails; likewise the packed kernel without AVX-512 and
// TG_REQUIRE_AVX512=1.
#include <doctest/doctest.h>

#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.h>
#include <tapegrad/autograd/gradcheck.h>

namespace {

// Switches to `backend`; false (with a visible "SKIPPED" message) when it is not usable here,
// unless the environment variable `require` is "1", where that fails the test.
bool use_backend(const char* backend, const char* require, const char* what) {
  try {
    tg::set_gemm_backend(backend);
    return true;
  } catch (const tg::Error& e) {
    const char* req = std::getenv(require);
    const std::string why = e.what();
    if (req && std::string(req) == "1") FAIL(std::string(require) << "=1 but: " << why);
    MESSAGE("SKIPPED: " << std::string(what) << " is not available here: " << why);
    return false;
  }
}

bool use_openblas() { return use_backend("openblas", "TG_REQUIRE_OPENBLAS", "OpenBLAS"); }
bool use_packed() { return use_backend("tapegrad", "TG_REQUIRE_AVX512", "the packed GEMM"); }

struct Case {
  const char* name;
  std::function<tg::Tensor(const tg::Tensor&, const tg::Tensor&)> op;
  tg::DimVec a_shape, b_shape;
};

// Each case builds its operands from fixed random data, so both backends see the same inputs.
std::vector<Case> layout_cases() {
  using tg::Tensor;
  return {
      {"row-major x row-major", [](const Tensor& a, const Tensor& b) { return tg::mm(a, b); },
       {37, 53}, {53, 29}},
      {"A transposed view", [](const Tensor& a, const Tensor& b) { return tg::mm(a.t(), b); },
       {53, 37}, {53, 29}},
      {"W transposed view", [](const Tensor& a, const Tensor& b) { return tg::mm(a, b.t()); },
       {37, 53}, {29, 53}},
      {"both transposed", [](const Tensor& a, const Tensor& b) { return tg::mm(a.t(), b.t()); },
       {53, 37}, {29, 53}},
      {"row slices (lda > k)",
       [](const Tensor& a, const Tensor& b) {
         return tg::mm(a.narrow(1, 3, 40), b.narrow(1, 2, 20).narrow(0, 0, 40));
       },
       {37, 53}, {53, 29}},
      {"stepped columns (no unit stride: copied)",
       [](const Tensor& a, const Tensor& b) {
         return tg::mm(a.slice(1, 0, 52, 2), b.narrow(0, 0, 26));
       },
       {37, 53}, {53, 29}},
      {"one row and one column",
       [](const Tensor& a, const Tensor& b) { return tg::mm(a.narrow(0, 0, 1), b.narrow(1, 0, 1)); },
       {37, 53}, {53, 29}},
      {"batched bmm", [](const Tensor& a, const Tensor& b) { return tg::bmm(a, b); },
       {5, 17, 23}, {5, 23, 11}},
      {"batched, broadcast weight", [](const Tensor& a, const Tensor& b) { return tg::matmul(a, b); },
       {4, 19, 31}, {31, 7}},
      {"large: split into row blocks", [](const Tensor& a, const Tensor& b) { return tg::mm(a, b); },
       {700, 300}, {300, 260}},
      {"large, A transposed: row blocks of a column-major A",
       [](const Tensor& a, const Tensor& b) { return tg::mm(a.t(), b); },
       {300, 700}, {300, 260}},
      {"addmm beta 0.5 alpha -2",
       [](const Tensor& a, const Tensor& b) {
         tg::Tensor bias = tg::full({37, 29}, 0.25, a.dtype());
         return tg::addmm(bias, a, b, 0.5, -2.0);
       },
       {37, 53}, {53, 29}},
      {"k = 0", [](const Tensor& a, const Tensor& b) { return tg::mm(a, b); }, {6, 0}, {0, 5}},
      {"k = 0 into addmm (beta 0.5)",
       [](const Tensor& a, const Tensor& b) {
         return tg::addmm(tg::full({20, 18}, 3.0, a.dtype()), a, b, 0.5, 1.0);
       },
       {20, 0}, {0, 18}},
      // Matrix-vector products (the packed backend's unpacked "thin" path), every layout.
      {"matrix x vector", [](const Tensor& a, const Tensor& b) {
         return tg::mm(a, b.narrow(1, 3, 1).contiguous()); }, {37, 70}, {70, 29}},
      {"transposed matrix x vector", [](const Tensor& a, const Tensor& b) {
         return tg::mm(a.t(), b.narrow(1, 3, 1).contiguous()); }, {70, 37}, {70, 29}},
      {"vector x matrix", [](const Tensor& a, const Tensor& b) {
         return tg::mm(a.narrow(0, 2, 1), b); }, {5, 70}, {70, 45}},
      {"vector x transposed matrix", [](const Tensor& a, const Tensor& b) {
         return tg::mm(a.narrow(0, 2, 1), b.t()); }, {5, 70}, {45, 70}},
      {"strided vector x transposed matrix (no contiguous side)", [](const Tensor& a, const Tensor& b) {
         return tg::mm(a.t().narrow(0, 2, 1), b.t()); }, {70, 5}, {45, 70}},
      {"shallow depth 3", [](const Tensor& a, const Tensor& b) { return tg::mm(a, b); },
       {40, 3}, {3, 75}},
      {"shallow depth 1, A transposed", [](const Tensor& a, const Tensor& b) {
         return tg::mm(a.t(), b); }, {1, 40}, {1, 20}},
      // The packed kernel's edges: rows not a multiple of its 12-row tile, columns not of its
      // 16/32-wide panels, depth across its 256-deep blocks, columns across its 512/1024-wide
      // blocks, and the smallest shapes it takes (8 rows, 16 columns, depth 8).
      {"packed edges: 13 x 600 x 33", [](const Tensor& a, const Tensor& b) { return tg::mm(a, b); },
       {13, 600}, {600, 33}},
      {"packed edges: column blocks 30 x 40 x 1100",
       [](const Tensor& a, const Tensor& b) { return tg::mm(a.t(), b.t()); },
       {40, 30}, {1100, 40}},
      {"packed smallest: 8 x 8 x 16", [](const Tensor& a, const Tensor& b) { return tg::mm(a, b); },
       {8, 8}, {8, 16}},
      {"packed, addmm over depth blocks (beta 2, alpha 0.5)",
       [](const Tensor& a, const Tensor& b) {
         tg::Tensor bias = tg::arange(0, 45 * 70, 1, a.dtype()).reshape({45, 70}) * 0.01;
         return tg::addmm(bias, a, b, 2.0, 0.5);
       },
       {45, 520}, {520, 70}},
  };
}

tg::Tensor run_with(const std::string& backend, const Case& c, tg::DType dtype) {
  tg::set_gemm_backend(backend);
  tg::Generator gen(2024);
  tg::Tensor a = tg::randn(c.a_shape, &gen, dtype), b = tg::randn(c.b_shape, &gen, dtype);
  return c.op(a, b);
}

}  // namespace

TEST_CASE("gemm backend: unknown names are tg::Errors naming the choices") {
  CHECK_THROWS_WITH_AS(tg::set_gemm_backend("mkl"),
                       doctest::Contains("unknown GEMM backend 'mkl' (expected auto, tapegrad, eigen or "
                                         "openblas)"),
                       tg::Error);
  tg::set_gemm_backend("eigen");
  CHECK(tg::gemm_backend().rfind("eigen (", 0) == 0);
  tg::set_gemm_backend("auto");
  const std::string chosen = tg::gemm_backend();
  CHECK_MESSAGE((chosen.rfind("tapegrad", 0) == 0 || chosen.rfind("openblas", 0) == 0 ||
                 chosen.rfind("eigen (", 0) == 0),
                chosen);
  CHECK(chosen.find("; auto: ") != std::string::npos);
}

// Every layout case in `backend` against Eigen, float64 and float32.
void check_against_eigen(const std::string& backend) {
  MESSAGE("backend: " << tg::gemm_backend());
  for (const Case& c : layout_cases()) {
    for (tg::DType dtype : {tg::kFloat64, tg::kFloat32}) {
      const std::string case_name = c.name;
      CAPTURE(case_name);
      const std::string dtype_str = tg::dtype_name(dtype);
      CAPTURE(dtype_str);
      tg::Tensor got = run_with(backend, c, dtype), eigen = run_with("eigen", c, dtype);
      REQUIRE(got.sizes() == eigen.sizes());
      const bool f64 = dtype == tg::kFloat64;
      // Two summation orders over k <= 600 standard-normal products.
      CHECK(tg::allclose(got, eigen, f64 ? 1e-12 : 1e-4, f64 ? 1e-12 : 1e-4));
    }
  }
  tg::set_gemm_backend("auto");
}

TEST_CASE("gemm backend: OpenBLAS matches Eigen on every operand layout, float64 and float32") {
  if (use_openblas()) check_against_eigen("openblas");
}

TEST_CASE("gemm backend: the packed kernel matches Eigen on every operand layout, float64 and float32") {
  if (use_packed()) check_against_eigen("tapegrad");
}

TEST_CASE("gemm backend: the packed kernel's bits depend neither on the thread count nor on row splits") {
  if (!use_packed()) return;
  tg::Generator gen(11);
  const int before = tg::get_num_threads();
  for (tg::DType dtype : {tg::kFloat32, tg::kFloat64}) {
    const std::string dtype_str = tg::dtype_name(dtype);
    CAPTURE(dtype_str);
    // Large enough for the threaded path (several row blocks and depth blocks), awkward sizes.
    tg::Tensor a = tg::randn({517, 300}, &gen, dtype), b = tg::randn({300, 270}, &gen, dtype);
    tg::set_num_threads(1);
    tg::Tensor one = tg::matmul(a, b), one_t = tg::matmul(b.t().contiguous().t().t(), a.t());
    tg::set_num_threads(2);
    tg::Tensor two = tg::matmul(a, b), two_t = tg::matmul(b.t().contiguous().t().t(), a.t());
    CHECK(tg::equal(one, two));
    CHECK(tg::equal(one_t, two_t));
    // Any block of rows computed alone gives the same bits as inside the whole product.
    for (int64_t r0 : {0, 1, 11, 12, 100, 263}) {
      for (int64_t len : {8, 13, 200, 254}) {
        CAPTURE(r0);
        CAPTURE(len);
        tg::Tensor part = tg::matmul(a.narrow(0, r0, len), b);
        CHECK(tg::equal(part, one.narrow(0, r0, len)));
      }
    }
  }
  tg::set_num_threads(before);
  tg::set_gemm_backend("auto");
}

TEST_CASE("gemm backend: the packed kernel's bits do not depend on column splits or on A being read in place") {
  if (!use_packed()) return;
  tg::Generator gen(12);
  for (tg::DType dtype : {tg::kFloat32, tg::kFloat64}) {
    const std::string dtype_str = tg::dtype_name(dtype);
    CAPTURE(dtype_str);
    // Up to two W panels (<= 32 float / 16 double columns each) read a row-major A in place;
    // wider products pack it. Both sum each element in the same order.
    tg::Tensor a = tg::randn({101, 230}, &gen, dtype), b = tg::randn({230, 150}, &gen, dtype);
    tg::Tensor whole = tg::matmul(a, b);
    for (int64_t j0 : {0, 5, 64}) {
      for (int64_t len : {16, 20, 32, 64, 86}) {
        CAPTURE(j0);
        CAPTURE(len);
        CHECK(tg::equal(tg::matmul(a, b.narrow(1, j0, len)), whole.narrow(1, j0, len)));
      }
    }
  }
  tg::set_gemm_backend("auto");
}

TEST_CASE("gemm backend: the packed kernel's bits do not depend on W being read in place or packed") {
  if (!use_packed()) return;
  // A small row-major W (one depth block, at most 256 KiB, rows at most 2 KiB apart) is read in
  // place, its last partial panel packed; the same W as a column-major view is always packed.
  // Both must sum each element in the same order, at 1 and 2 threads.
  tg::Generator gen(14);
  const int before = tg::get_num_threads();
  struct Shape {
    int64_t n, k, m;
  };
  for (tg::DType dtype : {tg::kFloat32, tg::kFloat64}) {
    const std::string dtype_str = tg::dtype_name(dtype);
    CAPTURE(dtype_str);
    // Edges (m not a multiple of the panel width), A read in place (m <= 2 panels) or packed,
    // enough work for the threaded path (256^3), and a depth past one block (packed both ways).
    for (const Shape& s : {Shape{101, 200, 150}, Shape{101, 230, 50}, Shape{256, 256, 256},
                           Shape{45, 120, 17}, Shape{300, 100, 64}, Shape{60, 300, 40}}) {
      CAPTURE(s.n);
      CAPTURE(s.k);
      CAPTURE(s.m);
      tg::Tensor a = tg::randn({s.n, s.k}, &gen, dtype), b = tg::randn({s.k, s.m}, &gen, dtype);
      tg::Tensor b_cols = b.t().contiguous().t();  // the same values, column-major
      // A row-major W with a leading dimension past its width (a column slice).
      tg::Tensor wide = tg::randn({s.k, s.m + 9}, &gen, dtype);
      tg::Tensor b_slice = wide.narrow(1, 4, s.m);
      for (int threads : {1, 2}) {
        CAPTURE(threads);
        tg::set_num_threads(threads);
        CHECK(tg::equal(tg::matmul(a, b), tg::matmul(a, b_cols)));
        CHECK(tg::equal(tg::matmul(a, b_slice), tg::matmul(a, b_slice.contiguous().t().contiguous().t())));
      }
    }
  }
  tg::set_num_threads(before);
  tg::set_gemm_backend("auto");
}

TEST_CASE("gemm backend: packed batched products run in parallel over the batch equal each product alone") {
  if (!use_packed()) return;
  // Small products (under 2^21 multiply-adds) of a batch run one per thread (gemm.cpp), each
  // inside that parallel region: the packed kernel must then run serially, never share out its
  // own loops with the batch's threads.
  tg::Generator gen(13);
  const int before = tg::get_num_threads();
  tg::set_num_threads(2);
  for (tg::DType dtype : {tg::kFloat32, tg::kFloat64}) {
    const std::string dtype_str = tg::dtype_name(dtype);
    CAPTURE(dtype_str);
    for (int64_t batch : {2, 3, 5}) {
      CAPTURE(batch);
      tg::Tensor a = tg::randn({batch, 70, 90}, &gen, dtype);
      tg::Tensor b = tg::randn({batch, 90, 100}, &gen, dtype);
      tg::Tensor all = tg::matmul(a, b);
      for (int64_t i = 0; i < batch; ++i) {
        CAPTURE(i);
        CHECK(tg::equal(all.select(0, i), tg::matmul(a.select(0, i), b.select(0, i))));
      }
    }
  }
  tg::set_num_threads(before);
  tg::set_gemm_backend("auto");
}

TEST_CASE("gemm backend: OpenBLAS results are bitwise equal at 1 and 2 threads, and differentiable") {
  if (!use_openblas()) return;
  tg::Generator gen(7);
  tg::Tensor a = tg::randn({640, 256}, &gen), b = tg::randn({256, 384}, &gen);
  const int before = tg::get_num_threads();
  tg::set_num_threads(1);
  tg::Tensor one = tg::matmul(a, b);
  tg::set_num_threads(2);
  tg::Tensor two = tg::matmul(a, b);
  tg::set_num_threads(before);
  CHECK(tg::equal(one, two));

  // Backward goes through the same GEMM with transposed views: checked by finite differences.
  tg::Tensor x = tg::randn({6, 5}, &gen, tg::kFloat64).requires_grad_(),
             w = tg::randn({5, 4}, &gen, tg::kFloat64).requires_grad_();
  CHECK(tg::autograd::gradcheck(
      [](const std::vector<tg::Tensor>& in) { return tg::matmul(in[0], in[1]).tanh().sum(); },
      {x, w}));
  tg::set_gemm_backend("auto");
}

TEST_CASE("gemm backend: auto never settles for OpenBLAS's generic kernels") {
  tg::set_gemm_backend("auto");
  const std::string chosen = tg::gemm_backend();
  MESSAGE("auto chose: " << chosen);
  if (chosen.rfind("tapegrad", 0) == 0) {
    // Only where the packed kernel runs: the AVX-512 or AVX2 table, whichever the ISA is.
    CHECK_MESSAGE((chosen.rfind("tapegrad (avx512)", 0) == 0 ||
                   chosen.rfind("tapegrad (avx2)", 0) == 0),
                  chosen);
  } else if (chosen.rfind("openblas", 0) == 0) {
    // The kernels it reports are an AVX2 / AVX-512 family, never Prescott & co.
    const bool optimised = chosen.find("SkylakeX kernels") != std::string::npos ||
                           chosen.find("Haswell kernels") != std::string::npos ||
                           chosen.find("Zen kernels") != std::string::npos ||
                           chosen.find("Cooperlake kernels") != std::string::npos ||
                           chosen.find("SapphireRapids kernels") != std::string::npos;
    CHECK_MESSAGE(optimised, chosen);
  } else if (use_openblas()) {
    // OpenBLAS loads, yet auto kept Eigen: only acceptable when its kernels are generic.
    CHECK_MESSAGE(chosen.find("generic") != std::string::npos, chosen);
    tg::set_gemm_backend("auto");
  }
}
