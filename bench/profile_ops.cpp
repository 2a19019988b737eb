// bench/profile_ops.cpp — a tiny driver for profilers (valgrind --tool=callgrind, perf record).
//
// Runs one op in a loop with nothing else around it, so a profile shows only that op:
//   valgrind --tool=callgrind --toggle-collect='*run_loop*' build/bin/profile_ops sigmoid 1048576 20
// ops: overhead_add, add, exp, sigmoid, relu, sum_dim1, sum_dim0, amax_dim1, softmax_dim1,
//      mm (n = side), index_select (n = batch), gather_dim1 (n = side), topk (n = items),
//      rand, dropout (p = 0.2, training)
#include <cstdio>
#include <cstdlib>
#include <string>

#include <tapegrad/tapegrad.h>

namespace {

__attribute__((noinline)) void run_loop(const std::string& op, const tg::Tensor& a,
                                        const tg::Tensor& b, int iters) {
  for (int i = 0; i < iters; ++i) {
    tg::Tensor y;
    if (op == "overhead_add" || op == "add") y = tg::add(a, b);
    else if (op == "exp") y = tg::exp(a);
    else if (op == "sigmoid") y = tg::sigmoid(a);
    else if (op == "relu") y = tg::relu(a);
    else if (op == "sum_dim1") y = tg::sum(a, {1});
    else if (op == "sum_dim0") y = tg::sum(a, {0});
    else if (op == "amax_dim1") y = tg::amax(a, {1});
    else if (op == "softmax_dim1") y = tg::softmax(a, 1);
    else if (op == "mm") y = tg::mm(a, b);
    else if (op == "index_select") y = tg::index_select(a, 0, b);
    else if (op == "gather_dim1") y = tg::gather(a, 1, b);
    else if (op == "topk") y = std::get<0>(tg::topk(a, 10, 1));
    else if (op == "rand") y = tg::rand(a.sizes(), nullptr, a.dtype());
    else if (op == "dropout") y = tg::dropout(a, 0.2, true);
    else {
      std::fprintf(stderr, "profile_ops: unknown op %s\n", op.c_str());
      std::exit(2);
    }
    asm volatile("" : : "r"(y.data_ptr()) : "memory");
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: profile_ops OP N ITERS\n");
    return 2;
  }
  const std::string op = argv[1];
  const int64_t n = std::atoll(argv[2]);
  const int iters = std::atoi(argv[3]);
  tg::Generator gen(1);
  tg::Tensor a, b;
  if (op == "overhead_add") {
    a = tg::randn({1}, &gen);
    b = tg::randn({1}, &gen);
  } else if (op == "mm") {
    a = tg::randn({n, n}, &gen);
    b = tg::randn({n, n}, &gen);
  } else if (op == "index_select") {
    a = tg::randn({100000, 64}, &gen);
    b = tg::randint(0, 100000, {n}, &gen);
  } else if (op == "gather_dim1") {
    a = tg::randn({n, n}, &gen);
    b = tg::randint(0, n, {n, n}, &gen);
  } else if (op == "topk") {
    a = tg::randn({1, n}, &gen);
  } else if (op.find("_dim") != std::string::npos) {
    a = tg::randn({1024, n / 1024}, &gen);
  } else {
    a = tg::randn({n}, &gen);
    b = tg::randn({n}, &gen);
  }
  run_loop(op, a, b, iters);
  return 0;
}
