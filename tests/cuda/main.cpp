// tests/cuda/main.cpp — doctest's main for the CUDA suite: it runs only where a GPU is usable.
// Elsewhere it says so and exits 77 (ctest: skipped), so a machine without a GPU never reports
// these tests as passed.
#define DOCTEST_CONFIG_IMPLEMENT
#include <cstdio>

#include <doctest/doctest.h>
#include <tapegrad/tapegrad.h>

int main(int argc, char** argv) {
  if (!tg::cuda::is_available()) {
    std::printf("SKIPPED: no CUDA device (%zu tests not run)\n",
                doctest::detail::getRegisteredTests().size());
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
