// autograd/node.h — a node of the recorded graph: one op application, its saved tensors and the
// edges to the nodes that produced its inputs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "../tensor/tensor.h"

namespace tg::autograd {

class Node;

// Where a gradient flows: input `input_nr` of `node`.
struct Edge {
  std::shared_ptr<Node> node;
  uint32_t input_nr = 0;
  bool valid() const { return node != nullptr; }
};

class Node : public std::enable_shared_from_this<Node> {
 public:
  virtual ~Node() = default;
  // The name printed in grad_fn=<...> and in graph exports, e.g. "AddBackward0".
  virtual std::string name() const = 0;

  std::vector<Edge> next_edges;
};

}  // namespace tg::autograd
