// autograd/graph_print.h — looking at the tape: a printed list of nodes, and Graphviz DOT.
#pragma once

#include <iosfwd>
#include <string>

#include "../tensor/tensor.h"

namespace tg::autograd {

// The nodes reachable from `root` in the order backward runs them, one per line:
//   [0] SumBackward1      grad in [1]        -> [1]
//   [1] MulBackward0      saved [3, 4] f64 ... -> [2], leaf "b" [4]
std::string print_tape(const Tensor& root);

// The graph as Graphviz DOT: ops (with saved tensors), leaves (shape, name, whether .grad is set)
// and the output. Render with `dot -Tpng graph.dot -o graph.png`.
std::string to_dot(const Tensor& root);

}  // namespace tg::autograd
