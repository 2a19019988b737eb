// tests/cuda/main.cpp — doctest's main for the CUDA suite. The GPU tests run only where a GPU is
// usable. Elsewhere only the host-side arithmetic (test suite "cuda-host": launch shapes, size
// classes, the cuBLAS operand mapping) runs; if it passes the program says the rest was skipped
// and exits 77 (ctest: skipped), so a machine without a GPU never reports the GPU tests as passed.
#define DOCTEST_CONFIG_IMPLEMENT
#include <cstdio>
#include <cstring>

#include <doctest/doctest.h>
#include <tapegrad/tapegrad.h>

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  if (!tg::cuda::is_available()) {
    size_t gpu_tests = 0;
    for (const doctest::detail::TestCase& tc : doctest::detail::getRegisteredTests())
      if (!tc.m_test_suite || std::strcmp(tc.m_test_suite, "cuda-host") != 0) ++gpu_tests;
    context.setOption("test-suite", "cuda-host");
    const int rc = context.run();
    if (rc != 0 || context.shouldExit()) return rc;
    std::printf("SKIPPED: no CUDA device (%zu tests not run)\n", gpu_tests);
    return 77;
  }
  return context.run();
}
