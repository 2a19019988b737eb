// tests/test_gradcheck_ops.cpp — the op table: every differentiable op's backward formula is
// checked against float64 central finite differences (gradcheck), on contiguous, transposed,
// sliced and broadcast inputs and each reduction dim, and its double backward (gradgradcheck).
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

namespace {

using tg::DimVec;
using tg::Tensor;
using In = std::vector<Tensor>;

enum class Layout { Contig, Transposed, Sliced };
enum class Domain { Any, Positive, Unit };  // Unit: (0.1, 0.9)

struct Input {
  DimVec shape;
  Layout layout = Layout::Contig;
  Domain domain = Domain::Any;
};

struct Row {
  std::string name;
  std::vector<Input> inputs;
  tg::autograd::TensorFn fn;
  bool gradgrad = true;
  double eps = 1e-6;
};

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

Input C(DimVec s, Domain d = Domain::Any) { return {s, Layout::Contig, d}; }
Input T(DimVec s, Domain d = Domain::Any) { return {s, Layout::Transposed, d}; }
Input S(DimVec s, Domain d = Domain::Any) { return {s, Layout::Sliced, d}; }

Tensor idx(std::vector<int64_t> v, std::optional<DimVec> shape = std::nullopt) {
  return tg::from_vector<int64_t>(v, shape);
}

std::vector<Row> op_table() {
  using namespace tg;
  std::vector<Row> t;
  auto unary = [&](const std::string& name, std::function<Tensor(const Tensor&)> f,
                   Domain d = Domain::Any) {
    t.push_back({name, {C({3, 4}, d)}, [f](const In& x) { return f(x[0]); }});
    t.push_back({name + "/transposed", {T({3, 4}, d)}, [f](const In& x) { return f(x[0]); }});
    t.push_back({name + "/sliced", {S({2, 3}, d)}, [f](const In& x) { return f(x[0]); }});
  };
  unary("neg", [](const Tensor& x) { return -x; });
  unary("exp", [](const Tensor& x) { return exp(x); });
  unary("log", [](const Tensor& x) { return log(x); }, Domain::Positive);
  unary("sqrt", [](const Tensor& x) { return sqrt(x); }, Domain::Positive);
  unary("rsqrt", [](const Tensor& x) { return rsqrt(x); }, Domain::Positive);
  unary("abs", [](const Tensor& x) { return abs(x); });
  unary("sign", [](const Tensor& x) { return sign(x) * x; });  // sign itself has zero slope
  unary("tanh", [](const Tensor& x) { return tanh(x); });
  unary("sigmoid", [](const Tensor& x) { return sigmoid(x); });
  unary("relu", [](const Tensor& x) { return relu(x); });
  unary("erf", [](const Tensor& x) { return erf(x); });
  unary("gelu", [](const Tensor& x) { return gelu(x); });
  unary("softplus", [](const Tensor& x) { return softplus(x, 2.0, 1.0); });
  unary("clamp", [](const Tensor& x) { return clamp(x, -0.5, 0.7); });
  unary("clamp_min", [](const Tensor& x) { return clamp(x, 0.1, std::nullopt); });
  unary("pow_scalar", [](const Tensor& x) { return pow(x, 2.5); }, Domain::Positive);
  unary("rpow_scalar", [](const Tensor& x) { return pow(Scalar(1.7), x); });

  // Binary ops: same shape, broadcast both ways, transposed and sliced operands.
  auto binary = [&](const std::string& name, std::function<Tensor(const Tensor&, const Tensor&)> f,
                    Domain da = Domain::Any, Domain db = Domain::Any) {
    auto g = [f](const In& x) { return f(x[0], x[1]); };
    t.push_back({name, {C({3, 4}, da), C({3, 4}, db)}, g});
    t.push_back({name + "/broadcast", {C({3, 1}, da), C({4}, db)}, g});
    t.push_back({name + "/broadcast_scalar", {C({2, 3}, da), C({}, db)}, g});
    t.push_back({name + "/transposed", {T({3, 4}, da), C({3, 4}, db)}, g});
    t.push_back({name + "/sliced", {C({2, 3}, da), S({2, 3}, db)}, g});
  };
  binary("add", [](const Tensor& a, const Tensor& b) { return a + b; });
  binary("add_alpha", [](const Tensor& a, const Tensor& b) { return add(a, b, 2.5); });
  binary("sub", [](const Tensor& a, const Tensor& b) { return sub(a, b, 0.5); });
  binary("mul", [](const Tensor& a, const Tensor& b) { return a * b; });
  binary("div", [](const Tensor& a, const Tensor& b) { return a / b; }, Domain::Any, Domain::Positive);
  binary("pow", [](const Tensor& a, const Tensor& b) { return pow(a, b); }, Domain::Positive);
  binary("maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); });
  binary("minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); });
  t.push_back({"where", {C({3, 4}), C({4})}, [](const In& x) {
                 return where(gt(x[0].detach(), 0.0), x[0], x[1]);
               }});
  t.push_back({"masked_fill", {T({3, 4})}, [](const In& x) {
                 return masked_fill(x[0], lt(x[0].detach(), 0.0), 0.25);
               }});
  t.push_back({"mixed_dtype", {C({3})}, [](const In& x) {
                 return (x[0].to(kFloat32) * tg::ones({3}, kFloat32)).to(kFloat64);
               }, true, 1e-2});

  // Reductions over all dims, each dim, keepdim, on a transposed input.
  auto reduction = [&](const std::string& name, std::function<Tensor(const Tensor&, const DimVec&, bool)> f,
                       Domain d = Domain::Any) {
    t.push_back({name + "/all", {C({3, 4}, d)}, [f](const In& x) { return f(x[0], {}, false); }});
    t.push_back({name + "/dim0", {C({3, 4}, d)}, [f](const In& x) { return f(x[0], {0}, false); }});
    t.push_back({name + "/dim1_keepdim", {C({3, 4}, d)}, [f](const In& x) { return f(x[0], {1}, true); }});
    t.push_back({name + "/dims_0_2", {C({2, 3, 2}, d)}, [f](const In& x) { return f(x[0], {0, 2}, false); }});
    t.push_back({name + "/neg_dim_transposed", {T({3, 4}, d)}, [f](const In& x) { return f(x[0], {-1}, false); }});
  };
  reduction("sum", [](const Tensor& x, const DimVec& d, bool k) { return sum(x, d, k); });
  reduction("mean", [](const Tensor& x, const DimVec& d, bool k) { return mean(x, d, k); });
  reduction("prod", [](const Tensor& x, const DimVec& d, bool k) { return prod(x, d, k); }, Domain::Positive);
  reduction("var", [](const Tensor& x, const DimVec& d, bool k) { return var(x, d, 1, k); });
  reduction("std", [](const Tensor& x, const DimVec& d, bool k) { return tg::std(x, d, 1, k); });
  reduction("amax", [](const Tensor& x, const DimVec& d, bool k) { return amax(x, d, k); });
  reduction("amin", [](const Tensor& x, const DimVec& d, bool k) { return amin(x, d, k); });
  reduction("norm2", [](const Tensor& x, const DimVec& d, bool k) { return norm(x, 2.0, d, k); });
  reduction("norm3", [](const Tensor& x, const DimVec& d, bool k) { return norm(x, 3.0, d, k); });
  reduction("logsumexp", [](const Tensor& x, const DimVec& d, bool k) { return logsumexp(x, d.empty() ? DimVec{0, 1} : d, k); });
  t.push_back({"prod/with_one_zero", {C({3})}, [](const In& x) {
                 return prod(x[0] * tensor({1.0, 0.0, 1.0}, kFloat64));
               }});
  t.push_back({"max_dim", {C({3, 4})}, [](const In& x) { return std::get<0>(max(x[0], 1)); }});
  t.push_back({"max_dim_keepdim_transposed", {T({3, 4})}, [](const In& x) { return std::get<0>(max(x[0], 0, true)); }});
  t.push_back({"min_dim", {C({3, 4})}, [](const In& x) { return std::get<0>(min(x[0], -1)); }});
  t.push_back({"max_all", {C({3, 4})}, [](const In& x) { return max(x[0]); }});

  // Linear algebra: every matmul shape rule.
  auto mmrow = [&](const std::string& name, std::vector<Input> in) {
    t.push_back({name, in, [](const In& x) { return matmul(x[0], x[1]); }});
  };
  mmrow("matmul/2d", {C({3, 4}), C({4, 2})});
  mmrow("matmul/2d_transposed", {T({3, 4}), T({4, 2})});
  mmrow("matmul/1d_1d", {C({4}), C({4})});
  mmrow("matmul/1d_2d", {C({4}), C({4, 2})});
  mmrow("matmul/2d_1d", {C({3, 4}), C({4})});
  mmrow("matmul/batched", {C({2, 3, 4}), C({2, 4, 2})});
  mmrow("matmul/batched_broadcast", {C({2, 1, 3, 4}), C({3, 4, 2})});
  mmrow("matmul/batched_2d", {C({2, 3, 4}), S({4, 2})});
  t.push_back({"mm", {C({2, 3}), C({3, 2})}, [](const In& x) { return mm(x[0], x[1]); }});
  t.push_back({"bmm", {C({2, 2, 3}), T({2, 3, 2})}, [](const In& x) { return bmm(x[0], x[1]); }});
  t.push_back({"addmm", {C({2}), C({3, 4}), C({4, 2})}, [](const In& x) { return addmm(x[0], x[1], x[2], 0.5, 2.0); }});
  t.push_back({"addmm/full_bias", {C({3, 2}), T({3, 4}), C({4, 2})}, [](const In& x) { return addmm(x[0], x[1], x[2]); }});
  t.push_back({"outer", {C({3}), C({2})}, [](const In& x) { return outer(x[0], x[1]); }});
  t.push_back({"dot", {C({4}), S({4})}, [](const In& x) { return dot(x[0], x[1]); }});

  // Indexing.
  t.push_back({"index_select/dim0_repeats", {C({4, 3})}, [](const In& x) { return index_select(x[0], 0, idx({2, 0, 2})); }});
  t.push_back({"index_select/dim1_transposed", {T({3, 4})}, [](const In& x) { return index_select(x[0], 1, idx({3, 1})); }});
  t.push_back({"embedding", {C({5, 3})}, [](const In& x) { return embedding(x[0], idx({4, 0, 4, 1}, DimVec{2, 2})); }});
  t.push_back({"embedding/sparse_grad", {C({5, 3})}, [](const In& x) { return embedding(x[0], idx({4, 0, 4, 1}, DimVec{2, 2}), true); }});
  t.push_back({"take", {T({3, 4})}, [](const In& x) { return take(x[0], idx({0, 5, -1})); }});
  t.push_back({"gather", {C({3, 4})}, [](const In& x) { return gather(x[0], 1, idx({0, 3, 3, 1, 2, 2}, DimVec{3, 2})); }});
  t.push_back({"scatter", {C({3, 4}), C({2, 4})}, [](const In& x) {
                 return scatter(x[0], 0, idx({0, 2, 1, 0, 2, 1, 0, 2}, DimVec{2, 4}), x[1]);
               }});
  t.push_back({"scatter/src_larger", {C({3, 4}), C({3, 4})}, [](const In& x) {
                 return scatter(x[0], 1, idx({1, 0, 3}, DimVec{3, 1}), x[1]);
               }, false});
  t.push_back({"scatter_value", {C({3, 4})}, [](const In& x) { return scatter(x[0], 1, idx({1, 0, 3}, DimVec{3, 1}), tg::Scalar(2.0)); }});
  t.push_back({"scatter_add", {C({3, 4}), C({2, 4})}, [](const In& x) {
                 return scatter_add(x[0], 0, idx({0, 0, 1, 2, 2, 2, 1, 0}, DimVec{2, 4}), x[1]);
               }});
  t.push_back({"index_add", {C({4, 3}), C({3, 3})}, [](const In& x) { return index_add(x[0], 0, idx({1, 3, 1}), x[1], 0.5); }});
  t.push_back({"cat", {C({2, 3}), T({2, 2}), C({2, 1})}, [](const In& x) { return cat({x[0], x[1], x[2]}, 1); }});
  t.push_back({"stack", {C({2, 3}), S({2, 3})}, [](const In& x) { return stack({x[0], x[1]}, 1); }});
  t.push_back({"split", {C({5, 2})}, [](const In& x) { auto p = split(x[0], 2, 0); return p[1] * p[2].sum(); }});
  t.push_back({"chunk", {C({2, 6})}, [](const In& x) { auto p = chunk(x[0], 3, 1); return p[0] * p[2]; }});
  t.push_back({"topk", {C({3, 5})}, [](const In& x) { return std::get<0>(topk(x[0], 2, 1)); }});
  t.push_back({"topk/smallest_dim0", {T({4, 3})}, [](const In& x) { return std::get<0>(topk(x[0], 2, 0, false)); }});
  t.push_back({"sort", {C({2, 4})}, [](const In& x) { return std::get<0>(sort(x[0], -1, true)); }});

  // Neural-network functions.
  t.push_back({"softmax", {C({3, 4})}, [](const In& x) { return softmax(x[0], 1); }});
  t.push_back({"softmax/dim0_transposed", {T({3, 4})}, [](const In& x) { return softmax(x[0], 0); }});
  t.push_back({"log_softmax", {C({3, 4})}, [](const In& x) { return log_softmax(x[0], -1); }});
  t.push_back({"log_softmax/dim0_sliced", {S({3, 2})}, [](const In& x) { return log_softmax(x[0], 0); }});
  t.push_back({"dropout", {C({4, 4})}, [](const In& x) {
                 tg::Generator g(3);  // the same mask on every evaluation
                 return dropout(x[0], 0.5, true, &g);
               }});

  // Views and conversions.
  t.push_back({"view", {C({3, 4})}, [](const In& x) { return x[0].view({2, 6}) * 2.0; }});
  t.push_back({"reshape_copy", {T({3, 4})}, [](const In& x) { return x[0].reshape({12}) * 2.0; }});
  t.push_back({"transpose", {C({2, 3, 4})}, [](const In& x) { return x[0].transpose(0, 2).contiguous(); }});
  t.push_back({"transpose_same_dim", {C({2, 3})}, [](const In& x) { return x[0].transpose(1, 1) * 1.5; }});
  t.push_back({"permute", {C({2, 3, 4})}, [](const In& x) { return x[0].permute({2, 0, 1}) * 3.0; }});
  t.push_back({"narrow", {C({4, 3})}, [](const In& x) { return x[0].narrow(0, 1, 2) * 2.0; }});
  t.push_back({"slice_step", {T({3, 5})}, [](const In& x) { return x[0].slice(1, 0, 5, 2) * 2.0; }});
  t.push_back({"select", {C({3, 4})}, [](const In& x) { return x[0].select(1, 2) * x[0].select(0, 1).sum(); }});
  t.push_back({"expand", {C({3, 1})}, [](const In& x) { return x[0].expand({2, 3, 4}) * 2.0; }});
  t.push_back({"squeeze", {C({3, 1, 2})}, [](const In& x) { return x[0].squeeze() * 2.0; }});
  t.push_back({"squeeze_dim", {C({3, 1, 2})}, [](const In& x) { return x[0].squeeze(1) * 2.0; }});
  t.push_back({"unsqueeze", {C({3, 2})}, [](const In& x) { return x[0].unsqueeze(1) * 2.0; }});
  t.push_back({"flatten", {T({3, 4})}, [](const In& x) { return x[0].flatten() * 2.0; }});
  t.push_back({"clone", {S({3, 2})}, [](const In& x) { return x[0].clone() * 2.0; }});
  return t;
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
