// tests/test_gemm_backend.cpp — the GEMM backend switch (kernels/cpu/gemm_backend.h): OpenBLAS
// and Eigen agree on every operand layout matmul can hand them, each is bitwise independent of
// the thread count, `auto` never settles for OpenBLAS's generic kernels, and bad names are
// tg::Errors. Without OpenBLAS the OpenBLAS cases say they were skipped, unless
// TG_REQUIRE_OPENBLAS=1 (set by .ci/run, whose machine installs it), where its absence fails.
#include <doctest/doctest.h>

#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.h>
#include <tapegrad/autograd/gradcheck.h>

namespace {

// Switches to OpenBLAS; false (with a visible message) when it cannot be loaded here.
bool use_openblas() {
  try {
    tg::set_gemm_backend("openblas");
    return true;
  } catch (const tg::Error& e) {
    const char* req = std::getenv("TG_REQUIRE_OPENBLAS");
    if (req && std::string(req) == "1") FAIL("TG_REQUIRE_OPENBLAS=1 but: " << e.what());
    MESSAGE("SKIPPED: OpenBLAS is not available here: " << e.what());
    return false;
  }
}

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
                       doctest::Contains("unknown GEMM backend 'mkl' (expected auto, eigen or openblas)"),
                       tg::Error);
  tg::set_gemm_backend("eigen");
  CHECK(tg::gemm_backend().rfind("eigen (", 0) == 0);
  tg::set_gemm_backend("auto");
  CHECK(!tg::gemm_backend().empty());
}

TEST_CASE("gemm backend: OpenBLAS matches Eigen on every operand layout, float64 and float32") {
  if (!use_openblas()) return;
  MESSAGE("backend: " << tg::gemm_backend());
  for (const Case& c : layout_cases()) {
    for (tg::DType dtype : {tg::kFloat64, tg::kFloat32}) {
      const std::string case_name = c.name;
      CAPTURE(case_name);
      const std::string dtype_str = tg::dtype_name(dtype);
      CAPTURE(dtype_str);
      tg::Tensor blas = run_with("openblas", c, dtype), eigen = run_with("eigen", c, dtype);
      REQUIRE(blas.sizes() == eigen.sizes());
      const bool f64 = dtype == tg::kFloat64;
      // Two summation orders over k <= 300 standard-normal products.
      CHECK(tg::allclose(blas, eigen, f64 ? 1e-12 : 1e-4, f64 ? 1e-12 : 1e-4));
    }
  }
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
  if (chosen.rfind("openblas", 0) == 0) {
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
