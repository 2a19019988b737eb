// examples/consumer/main.cpp — a tiny program built against the installed tapegrad package.
//
// It needs only <tapegrad/tapegrad.h> and the library: no Eigen, no CUDA, no tapegrad sources.
// It checks its results and exits 1 on a mismatch, so the install tests can run it.
#include <cstdio>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.h>

int main() {
  // x = [[1, 2, 3], [4, 5, 6]];  x @ x^T = [[14, 32], [32, 77]];  sum = 155.
  tg::Tensor x = tg::arange(1, 7, 1, tg::kFloat64).view({2, 3});
  tg::Tensor gram = tg::matmul(x, x.t());
  const std::vector<double> expected = {14, 32, 32, 77};
  if (gram.to_vector<double>() != expected || gram.sum().item<double>() != 155.0) {
    std::fprintf(stderr, "consumer: x @ x.t() is wrong\n");
    return 1;
  }
  // Broadcasting a row over x, then a reduction: column sums of x + [10, 20, 30] are 25, 47, 69.
  tg::Tensor cols = (x + tg::tensor({10, 20, 30}, tg::kFloat64)).sum({0});
  const std::vector<double> cols_expected = {25, 47, 69};
  if (cols.to_vector<double>() != cols_expected) {
    std::fprintf(stderr, "consumer: broadcast add + sum is wrong\n");
    return 1;
  }
  // Invalid calls throw tg::Error naming the op.
  try {
    tg::matmul(x, x);
    std::fprintf(stderr, "consumer: matmul [2, 3] x [2, 3] did not throw\n");
    return 1;
  } catch (const tg::Error& e) {
    if (std::string(e.what()).find("matmul") == std::string::npos) {
      std::fprintf(stderr, "consumer: unexpected error text: %s\n", e.what());
      return 1;
    }
  }
  std::printf("consumer: tapegrad %s works (sum of x @ x.t() = %g)\n", tg::kVersion,
              gram.sum().item<double>());
  return 0;
}
