// examples/tensor_tour.cpp — a short tour of what tapegrad can do today: tensors, views,
// broadcasting, reductions, matmul, indexing and top-k, printed the way PyTorch prints them.
#include <iostream>

#include <tapegrad/tapegrad.h>

int main() {
  tg::Generator gen(42);
  tg::Tensor x = tg::arange(0, 6, 1, tg::kFloat32).view({2, 3});
  std::cout << "x = " << x << "\n";
  std::cout << "x.t() (a view, strides " << x.t().strides() << ") = " << x.t() << "\n";
  std::cout << "x + [10, 20, 30] (broadcast) = " << x + tg::tensor({10, 20, 30}) << "\n";
  std::cout << "x.sum({1}) = " << x.sum({1}) << "\n";
  std::cout << "x @ x.t() = " << tg::matmul(x, x.t()) << "\n";
  tg::Tensor emb = tg::randn({5, 4}, &gen);
  tg::Tensor ids = tg::from_vector<int64_t>({4, 0, 4});
  std::cout << "embedding rows [4, 0, 4] = " << tg::embedding(emb, ids) << "\n";
  tg::Tensor scores = tg::rand({1, 1682}, &gen);
  auto [top, idx] = tg::topk(scores, 5);
  std::cout << "top-5 of 1682 scores: " << top << "\n  at items " << idx << "\n";
  try {
    tg::matmul(tg::zeros({2, 3}), tg::zeros({4, 5}));
  } catch (const tg::Error& e) {
    std::cout << "errors are clear: " << e.what() << "\n";
  }
  return 0;
}
