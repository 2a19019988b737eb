// tests/test_gradcheck_ops.cpp — every differentiable op's backward formula, checked against
// float64 central finite differences (gradcheck) on the rows of the shared op table
// (tests/op_table.h): contiguous, transposed, sliced and broadcast inputs and each reduction dim,
// and its double backward (gradgradcheck).
// A final test fails if any backward node recorded in autograd/functions/*.cpp has no row here.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <unordered_set>

#include <tapegrad/tapegrad.h>

#include "op_table.h"

namespace {

using tg::DimVec;
using tg::Tensor;
using tg_test::ops::Domain;
using tg_test::ops::In;
using tg_test::ops::Input;
using tg_test::ops::Layout;

tg::Generator& gen() {
  static tg::Generator g(2024);
  return g;
}

// A float64 leaf of `in.shape` whose memory layout is as requested.
Tensor make_input(const Input& in) {
  auto fill = [&](const DimVec& shape) {
    Tensor t;
    switch (in.domain) {
      case Domain::Any: t = tg::randn(shape, &gen(), tg::kFloat64); break;
      case Domain::Positive: t = tg::rand(shape, &gen(), tg::kFloat64) + 0.5; break;
      case Domain::Unit: t = tg::rand(shape, &gen(), tg::kFloat64) * 0.8 + 0.1; break;
    }
    return t;
  };
  const DimVec& s = in.shape;
  Tensor t;
  if (in.layout == Layout::Transposed && s.size() >= 2) {
    DimVec r = s;
    std::swap(r[r.size() - 1], r[r.size() - 2]);
    t = fill(r).transpose(-1, -2);
  } else if (in.layout == Layout::Sliced && s.size() >= 1) {
    DimVec r = s;
    r[r.size() - 1] *= 2;
    t = fill(r).slice(-1, 0, r.back(), 2);
  } else {
    t = fill(s);
  }
  Tensor leaf = t.detach().requires_grad_();
  if (in.layout != Layout::Contig && s.size() >= 1 && shape_numel(s) > 1) REQUIRE(!leaf.is_contiguous());
  return leaf;
}

// The CPU rows of the shared table (tests/op_table.h), as functions of their inputs alone.
struct Row {
  std::string name;
  std::vector<Input> inputs;
  tg::autograd::TensorFn fn;
  bool gradgrad;
  double eps;
};

std::vector<Row> op_table() {
  std::vector<Row> rows;
  for (auto& r : tg_test::ops::op_table()) {
    if (r.large) continue;
    tg::autograd::TensorFn fn = [f = r.fn](const In& x) { return f(x, tg::Device{tg::kCPU}); };
    rows.push_back({r.name, r.inputs, fn, r.gradgrad, r.eps});
  }
  return rows;
}

// Names of the backward nodes reachable from t's grad_fn.
void collect_nodes(const Tensor& t, std::set<std::string>& out) {
  if (!t.defined() || !t.grad_fn()) return;
  std::vector<tg::autograd::Node*> stack{t.grad_fn().get()};
  std::unordered_set<tg::autograd::Node*> seen{t.grad_fn().get()};
  while (!stack.empty()) {
    auto* n = stack.back();
    stack.pop_back();
    if (!n->is_accumulate_grad()) out.insert(n->name());
    for (auto& e : n->next_edges)
      if (e.valid() && seen.insert(e.node.get()).second) stack.push_back(e.node.get());
  }
}

// Every node a row exercises: in its forward graph and, for gradgrad rows, in the graph that
// create_graph builds during backward (e.g. ViewScatterBackward0).
std::set<std::string> nodes_exercised() {
  std::set<std::string> names;
  for (const Row& row : op_table()) {
    std::vector<Tensor> inputs;
    for (const Input& in : row.inputs) inputs.push_back(make_input(in));
    Tensor out = row.fn(inputs);
    collect_nodes(out, names);
    if (!row.gradgrad) continue;
    auto g = tg::autograd::grad({out}, inputs, {tg::ones(out.sizes(), tg::kFloat64)}, true,
                                /*create_graph=*/true, /*allow_unused=*/true);
    for (const Tensor& gi : g) collect_nodes(gi, names);
  }
  return names;
}

}  // namespace

TEST_CASE("gradcheck: every op in the table, first derivatives") {
  for (const Row& row : op_table()) {
    CAPTURE(row.name);
    std::vector<Tensor> inputs;
    for (const Input& in : row.inputs) inputs.push_back(make_input(in));
    REQUIRE(row.fn(inputs).requires_grad());
    CHECK_NOTHROW(tg::autograd::gradcheck(row.fn, inputs, row.eps, 1e-5, 1e-3));
  }
}

TEST_CASE("gradgradcheck: second derivatives of the double-backward ops") {
  for (const Row& row : op_table()) {
    if (!row.gradgrad) continue;
    CAPTURE(row.name);
    std::vector<Tensor> inputs;
    for (const Input& in : row.inputs) inputs.push_back(make_input(in));
    CHECK_NOTHROW(tg::autograd::gradgradcheck(row.fn, inputs, row.eps, 1e-4, 1e-3));
  }
}

TEST_CASE("gradcheck: a failing formula is reported with input and element") {
  // A deliberately wrong custom backward must be caught, with a useful message.
  struct WrongSquare : tg::autograd::Function<WrongSquare> {
    static Tensor forward(tg::autograd::AutogradContext* ctx, const Tensor& x) {
      ctx->save_for_backward({x});
      return x * x;
    }
    static tg::autograd::Grads backward(tg::autograd::AutogradContext* ctx,
                                        const tg::autograd::Grads& g) {
      return {g[0] * ctx->saved()[0]};  // should be 2x
    }
  };
  Tensor x = tg::tensor({1.0, 2.0}, tg::kFloat64).requires_grad_();
  CHECK_THROWS_WITH_AS(
      tg::autograd::gradcheck([](const In& in) { return WrongSquare::apply(in[0]); }, {x}),
      doctest::Contains("Jacobian mismatch for input 0"), tg::Error);
  CHECK_FALSE(tg::autograd::gradcheck([](const In& in) { return WrongSquare::apply(in[0]); }, {x},
                                      1e-6, 1e-5, 1e-3, /*raise_exception=*/false));
}

TEST_CASE("gradcheck: every recorded backward node has a row in the table") {
  std::filesystem::path functions =
      std::filesystem::path(__FILE__).parent_path().parent_path() / "autograd" / "functions";
  REQUIRE(std::filesystem::exists(functions));
  std::set<std::string> recorded;
  std::regex name_re("\"([A-Z][A-Za-z]*Backward[0-9])\"");
  for (const auto& entry : std::filesystem::directory_iterator(functions)) {
    if (entry.path().extension() != ".cpp") continue;
    std::ifstream f(entry.path());
    std::stringstream ss;
    ss << f.rdbuf();
    std::string src = ss.str();
    for (std::sregex_iterator it(src.begin(), src.end(), name_re), end; it != end; ++it)
      recorded.insert((*it)[1]);
  }
  CHECK(recorded.size() > 40);
  const std::set<std::string> covered = nodes_exercised();
  for (const std::string& name : recorded) {
    CAPTURE(name);
    CHECK_MESSAGE(covered.count(name) == 1, "backward node ", name,
                  " is recorded by an op but exercised by no gradcheck row");
  }
}
