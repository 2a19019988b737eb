// examples/autograd_tour.cpp — how the tape works, step by step.
//
// Builds a tiny expression, prints the tape after each op is recorded, runs backward, shows the
// gradients, checks them against finite differences, and writes the graph as Graphviz DOT.
//   build/bin/autograd_tour [out.dot]     then: dot -Tpng out.dot -o graph.png
#include <fstream>
#include <iostream>

#include <tapegrad/tapegrad.h>

int main(int argc, char** argv) {
  using tg::Tensor;
  tg::Generator gen(7);
  // Leaves: tensors we want gradients for.
  Tensor w = tg::randn({3, 2}, &gen).requires_grad_().set_name("w");
  Tensor b = tg::zeros({2}).requires_grad_().set_name("b");
  Tensor x = tg::randn({4, 3}, &gen);  // data: no gradient needed

  std::cout << "Each op records one node while it runs (Define-by-Run):\n\n";
  Tensor h = tg::matmul(x, w);
  std::cout << "h = x @ w      -> h.grad_fn = " << h.grad_fn()->name() << "\n"
            << tg::autograd::print_tape(h) << "\n";
  Tensor z = tg::relu(h + b);
  std::cout << "z = relu(h + b) -> z.grad_fn = " << z.grad_fn()->name() << "\n"
            << tg::autograd::print_tape(z) << "\n";
  Tensor loss = (z * z).mean();
  std::cout << "loss = mean(z * z) = " << loss << "\n\nThe whole tape, in the order backward "
            << "will run it:\n" << tg::autograd::print_tape(loss) << "\n";

  loss.backward();
  std::cout << "After loss.backward():\n  w.grad = " << w.grad() << "\n  b.grad = " << b.grad()
            << "\n\n";

  // The same gradients by central finite differences, in float64.
  Tensor w64 = w.detach().to(tg::kFloat64).requires_grad_();
  Tensor b64 = b.detach().to(tg::kFloat64).requires_grad_();
  Tensor x64 = x.to(tg::kFloat64);
  bool ok = tg::autograd::gradcheck(
      [&](const std::vector<Tensor>& in) {
        Tensor zz = tg::relu(tg::matmul(x64, in[0]) + in[1]);
        return (zz * zz).mean();
      },
      {w64, b64});
  std::cout << "gradcheck against finite differences: " << (ok ? "passed" : "FAILED") << "\n";

  const char* path = argc > 1 ? argv[1] : "autograd_tour.dot";
  std::ofstream(path) << tg::autograd::to_dot(loss);
  std::cout << "Graph written to " << path << " (render: dot -Tpng " << path << " -o graph.png)\n";
  return ok ? 0 : 1;
}
