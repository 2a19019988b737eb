// autograd/graph_print.h — looking at the tape: a printed list of nodes, and Graphviz DOT.
#pragma once

#include <iosfwd>
#include <string>

#include "../tensor/tensor.h"

namespace tg::autograd {

// The nodes reachable from `root` in the order backward runs them, one per line, e.g.
//   [2] MulBackward0  out [4, 2]  saved [4, 2]f32 [4, 2]f32  -> [3] [3]
//   [5] AccumulateGrad into leaf "b" [2]
// ("-> [k]" names the node each input's gradient flows to; "(no grad)" an input without one).
std::string print_tape(const Tensor& root);

// The graph as Graphviz DOT: ops (with saved tensors), leaves (shape, name, whether .grad is set)
// and the output. Render with `dot -Tpng graph.dot -o graph.png`.
std::string to_dot(const Tensor& root);

}  // namespace tg::autograd
