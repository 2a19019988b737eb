// tests/op_table.h — the table of differentiable ops, shared by the float64 gradcheck
// (tests/test_gradcheck_ops.cpp, CPU) and the CPU-vs-GPU parity suite (tests/cuda/test_cuda_ops.cpp).
// Each row names an op, the shapes, memory layouts (contiguous, transposed, sliced) and value
// domains of its inputs, and a function of those inputs. Index tensors and constants are made on
// the device the function is called with. Rows marked `large` exercise the big-size kernel paths
// (chunked rows, column reductions, wide top-k): they run in the GPU parity suite only, because
// finite differences over 10^5 inputs would take minutes on the CPU.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.h>

namespace tg_test::ops {

using tg::Device;
using tg::DimVec;
using tg::Tensor;
using In = std::vector<Tensor>;

enum class Layout { Contig, Transposed, Sliced };
enum class Domain { Any, Positive, Unit };  // Positive: (0.5, 1.5); Unit: (0.1, 0.9)

struct Input {
  DimVec shape;
  Layout layout = Layout::Contig;
  Domain domain = Domain::Any;
};

using Fn = std::function<Tensor(const In&, Device)>;

struct Row {
  std::string name;
  std::vector<Input> inputs;
  Fn fn;
  bool gradgrad = true;  // also checked by gradgradcheck
  double eps = 1e-6;     // finite-difference step
  bool large = false;    // GPU parity suite only (see the file comment)
};

inline Input C(DimVec s, Domain d = Domain::Any) { return {s, Layout::Contig, d}; }
inline Input T(DimVec s, Domain d = Domain::Any) { return {s, Layout::Transposed, d}; }
inline Input S(DimVec s, Domain d = Domain::Any) { return {s, Layout::Sliced, d}; }

inline Tensor idx(Device dev, std::vector<int64_t> v, std::optional<DimVec> shape = std::nullopt) {
  return tg::from_vector<int64_t>(v, shape, dev);
}

// The full table; callers filter on Row::large.
inline std::vector<Row> op_table() {
  using namespace tg;
  std::vector<Row> t;
  auto push = [&](std::string name, std::vector<Input> in, Fn f) {
    t.push_back({std::move(name), std::move(in), std::move(f)});
    return &t.back();
  };
  auto push_large = [&](std::string name, std::vector<Input> in, Fn f) {
    push(std::move(name), std::move(in), std::move(f))->large = true;
  };

  // Unary ops: contiguous, transposed, sliced, and a large input.
  auto unary = [&](const std::string& name, std::function<Tensor(const Tensor&)> f,
                   Domain d = Domain::Any) {
    Fn g = [f](const In& x, Device) { return f(x[0]); };
    push(name, {C({3, 4}, d)}, g);
    push(name + "/transposed", {T({3, 4}, d)}, g);
    push(name + "/sliced", {S({2, 3}, d)}, g);
    push_large(name + "/large", {C({300, 257}, d)}, g);
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

  // Binary ops: same shape, broadcast both ways and in 3-d, transposed and sliced operands.
  auto binary = [&](const std::string& name, std::function<Tensor(const Tensor&, const Tensor&)> f,
                    Domain da = Domain::Any, Domain db = Domain::Any) {
    Fn g = [f](const In& x, Device) { return f(x[0], x[1]); };
    push(name, {C({3, 4}, da), C({3, 4}, db)}, g);
    push(name + "/broadcast", {C({3, 1}, da), C({4}, db)}, g);
    push(name + "/broadcast_scalar", {C({2, 3}, da), C({}, db)}, g);
    push(name + "/transposed", {T({3, 4}, da), C({3, 4}, db)}, g);
    push(name + "/sliced", {C({2, 3}, da), S({2, 3}, db)}, g);
    push(name + "/broadcast_3d", {C({5, 1, 7}, da), T({6, 7}, db)}, g);
  };
  binary("add", [](const Tensor& a, const Tensor& b) { return a + b; });
  binary("add_alpha", [](const Tensor& a, const Tensor& b) { return add(a, b, 2.5); });
  binary("sub", [](const Tensor& a, const Tensor& b) { return sub(a, b, 0.5); });
  binary("mul", [](const Tensor& a, const Tensor& b) { return a * b; });
  binary("div", [](const Tensor& a, const Tensor& b) { return a / b; }, Domain::Any, Domain::Positive);
  binary("pow", [](const Tensor& a, const Tensor& b) { return pow(a, b); }, Domain::Positive);
  binary("maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); });
  binary("minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); });
  push("where", {C({3, 4}), C({4})},
      [](const In& x, Device) { return where(gt(x[0].detach(), 0.0), x[0], x[1]); });
  push("masked_fill", {T({3, 4})},
      [](const In& x, Device) { return masked_fill(x[0], lt(x[0].detach(), 0.0), 0.25); });
  push("mixed_dtype", {C({3})}, [](const In& x, Device d) {
    return (x[0].to(kFloat32) * tg::ones({3}, kFloat32, d)).to(kFloat64);
  })->eps = 1e-2;

  // Reductions over all dims, each dim, keepdim, a transposed input; large rows take the long-row,
  // two-pass, column and few-column kernel paths. `large_f` replaces f on the large rows (prod of
  // 10^5 values needs them near 1).
  using ReduceFn = std::function<Tensor(const Tensor&, const DimVec&, bool)>;
  auto reduction = [&](const std::string& name, ReduceFn f, Domain d = Domain::Any,
                       ReduceFn large_f = nullptr) {
    auto row = [&](const std::string& suffix, Input in, DimVec dims, bool keep, bool large) {
      ReduceFn h = large && large_f ? large_f : f;
      Fn g = [h, dims, keep](const In& x, Device) { return h(x[0], dims, keep); };
      if (large) push_large(name + suffix, {in}, g);
      else push(name + suffix, {in}, g);
    };
    row("/all", C({3, 4}, d), {}, false, false);
    row("/dim0", C({3, 4}, d), {0}, false, false);
    row("/dim1_keepdim", C({3, 4}, d), {1}, true, false);
    row("/dims_0_2", C({2, 3, 2}, d), {0, 2}, false, false);
    row("/neg_dim_transposed", T({3, 4}, d), {-1}, false, false);
    row("/long_row", C({2, 70000}, d), {1}, false, true);    // chunked row path
    row("/all_long", C({200000}, d), {}, false, true);       // one long row, two passes
    row("/columns", C({300, 50}, d), {0}, false, true);      // B > 1 column path
    row("/few_columns", C({3000, 2}, d), {0}, false, true);  // transposed to rows
  };
  reduction("sum", [](const Tensor& x, const DimVec& d, bool k) { return sum(x, d, k); });
  reduction("mean", [](const Tensor& x, const DimVec& d, bool k) { return mean(x, d, k); });
  reduction("prod", [](const Tensor& x, const DimVec& d, bool k) { return prod(x, d, k); },
            Domain::Positive,
            [](const Tensor& x, const DimVec& d, bool k) { return prod(x * 0.001 + 0.9995, d, k); });
  reduction("var", [](const Tensor& x, const DimVec& d, bool k) { return var(x, d, 1, k); });
  reduction("std", [](const Tensor& x, const DimVec& d, bool k) { return tg::std(x, d, 1, k); });
  reduction("amax", [](const Tensor& x, const DimVec& d, bool k) { return amax(x, d, k); });
  reduction("amin", [](const Tensor& x, const DimVec& d, bool k) { return amin(x, d, k); });
  reduction("norm2", [](const Tensor& x, const DimVec& d, bool k) { return norm(x, 2.0, d, k); });
  reduction("norm3", [](const Tensor& x, const DimVec& d, bool k) { return norm(x, 3.0, d, k); });
  reduction("logsumexp", [](const Tensor& x, const DimVec& d, bool k) {
    DimVec dims = d;
    if (dims.empty())
      for (int i = 0; i < x.dim(); ++i) dims.push_back(i);
    return logsumexp(x, dims, k);
  });
  push("prod/with_one_zero", {C({3})},
      [](const In& x, Device d) { return prod(x[0] * tensor({1.0, 0.0, 1.0}, kFloat64).to(d)); });
  push("max_dim", {C({3, 4})}, [](const In& x, Device) { return std::get<0>(max(x[0], 1)); });
  push("max_dim_keepdim_transposed", {T({3, 4})},
      [](const In& x, Device) { return std::get<0>(max(x[0], 0, true)); });
  push("min_dim", {C({3, 4})}, [](const In& x, Device) { return std::get<0>(min(x[0], -1)); });
  push("max_all", {C({3, 4})}, [](const In& x, Device) { return max(x[0]); });
  push_large("max_dim_long", {C({3, 5000})}, [](const In& x, Device) { return std::get<0>(max(x[0], 1)); });
  push_large("min_dim0_few_columns", {C({4000, 3})},
            [](const In& x, Device) { return std::get<0>(min(x[0], 0)); });

  // Linear algebra: every matmul shape rule.
  Fn matmul2 = [](const In& x, Device) { return matmul(x[0], x[1]); };
  push("matmul/2d", {C({3, 4}), C({4, 2})}, matmul2);
  push("matmul/2d_transposed", {T({3, 4}), T({4, 2})}, matmul2);
  push("matmul/2d_sliced", {S({3, 4}), S({4, 2})}, matmul2);
  push("matmul/1d_1d", {C({4}), C({4})}, matmul2);
  push("matmul/1d_2d", {C({4}), C({4, 2})}, matmul2);
  push("matmul/2d_1d", {C({3, 4}), C({4})}, matmul2);
  push("matmul/batched", {C({2, 3, 4}), C({2, 4, 2})}, matmul2);
  push("matmul/batched_broadcast", {C({2, 1, 3, 4}), C({3, 4, 2})}, matmul2);
  push("matmul/batched_2d", {C({2, 3, 4}), S({4, 2})}, matmul2);
  push_large("matmul/large", {C({130, 257}), T({257, 65})}, matmul2);
  push("mm", {C({2, 3}), C({3, 2})}, [](const In& x, Device) { return mm(x[0], x[1]); });
  push("bmm", {C({2, 2, 3}), T({2, 3, 2})}, [](const In& x, Device) { return bmm(x[0], x[1]); });
  push("addmm", {C({2}), C({3, 4}), C({4, 2})},
      [](const In& x, Device) { return addmm(x[0], x[1], x[2], 0.5, 2.0); });
  push("addmm/full_bias", {C({3, 2}), T({3, 4}), C({4, 2})},
      [](const In& x, Device) { return addmm(x[0], x[1], x[2]); });
  push("outer", {C({3}), C({2})}, [](const In& x, Device) { return outer(x[0], x[1]); });
  push("dot", {C({4}), S({4})}, [](const In& x, Device) { return dot(x[0], x[1]); });

  // Indexing.
  push("index_select/dim0_repeats", {C({4, 3})},
      [](const In& x, Device d) { return index_select(x[0], 0, idx(d, {2, 0, 2})); });
  push("index_select/dim1_transposed", {T({3, 4})},
      [](const In& x, Device d) { return index_select(x[0], 1, idx(d, {3, 1})); });
  push("embedding", {C({5, 3})},
      [](const In& x, Device d) { return embedding(x[0], idx(d, {4, 0, 4, 1}, DimVec{2, 2})); });
  push("embedding/sparse_grad", {C({5, 3})}, [](const In& x, Device d) {
    return embedding(x[0], idx(d, {4, 0, 4, 1}, DimVec{2, 2}), true);
  });
  push_large("embedding/many_repeats", {C({50, 16})}, [](const In& x, Device d) {
    std::vector<int64_t> ids;
    for (int i = 0; i < 3000; ++i) ids.push_back((i * 7919) % 37);
    return embedding(x[0], idx(d, ids));
  });
  push("take", {T({3, 4})}, [](const In& x, Device d) { return take(x[0], idx(d, {0, 5, -1})); });
  push("gather", {C({3, 4})}, [](const In& x, Device d) {
    return gather(x[0], 1, idx(d, {0, 3, 3, 1, 2, 2}, DimVec{3, 2}));
  });
  push("gather/transposed", {T({4, 3})}, [](const In& x, Device d) {
    return gather(x[0], 0, idx(d, {0, 3, 3, 1, 2, 2}, DimVec{2, 3}));
  });
  push("scatter", {C({3, 4}), C({2, 4})}, [](const In& x, Device d) {
    return scatter(x[0], 0, idx(d, {0, 2, 1, 0, 2, 1, 0, 2}, DimVec{2, 4}), x[1]);
  });
  push("scatter/src_larger", {C({3, 4}), C({3, 4})}, [](const In& x, Device d) {
    return scatter(x[0], 1, idx(d, {1, 0, 3}, DimVec{3, 1}), x[1]);
  })->gradgrad = false;
  push("scatter_value", {C({3, 4})}, [](const In& x, Device d) {
    return scatter(x[0], 1, idx(d, {1, 0, 3}, DimVec{3, 1}), tg::Scalar(2.0));
  });
  push("scatter_add", {C({3, 4}), C({2, 4})}, [](const In& x, Device d) {
    return scatter_add(x[0], 0, idx(d, {0, 0, 1, 2, 2, 2, 1, 0}, DimVec{2, 4}), x[1]);
  });
  push("index_add", {C({4, 3}), C({3, 3})},
      [](const In& x, Device d) { return index_add(x[0], 0, idx(d, {1, 3, 1}), x[1], 0.5); });
  push("index_add/dim1", {C({2, 4, 3}), C({2, 5, 3})},
      [](const In& x, Device d) { return index_add(x[0], 1, idx(d, {1, 3, 1, 0, 1}), x[1]); });
  push("cat", {C({2, 3}), T({2, 2}), C({2, 1})},
      [](const In& x, Device) { return cat({x[0], x[1], x[2]}, 1); });
  push("stack", {C({2, 3}), S({2, 3})}, [](const In& x, Device) { return stack({x[0], x[1]}, 1); });
  push("split", {C({5, 2})}, [](const In& x, Device) {
    auto p = split(x[0], 2, 0);
    return p[1] * p[2].sum();
  });
  push("chunk", {C({2, 6})}, [](const In& x, Device) {
    auto p = chunk(x[0], 3, 1);
    return p[0] * p[2];
  });
  push("topk", {C({3, 5})}, [](const In& x, Device) { return std::get<0>(topk(x[0], 2, 1)); });
  push("topk/smallest_dim0", {T({4, 3})},
      [](const In& x, Device) { return std::get<0>(topk(x[0], 2, 0, false)); });
  push_large("topk/wide", {C({7, 3000})}, [](const In& x, Device) { return std::get<0>(topk(x[0], 10, 1)); });
  push("sort", {C({2, 4})}, [](const In& x, Device) { return std::get<0>(sort(x[0], -1, true)); });
  push_large("sort/one_row", {C({5000})}, [](const In& x, Device) { return std::get<0>(sort(x[0])); });

  // Neural-network functions.
  push("softmax", {C({3, 4})}, [](const In& x, Device) { return softmax(x[0], 1); });
  push("softmax/dim0_transposed", {T({3, 4})}, [](const In& x, Device) { return softmax(x[0], 0); });
  push_large("softmax/wide", {C({4, 3000})}, [](const In& x, Device) { return softmax(x[0], 1); });
  push("log_softmax", {C({3, 4})}, [](const In& x, Device) { return log_softmax(x[0], -1); });
  push("log_softmax/dim0_sliced", {S({3, 2})}, [](const In& x, Device) { return log_softmax(x[0], 0); });
  push_large("log_softmax/middle_dim", {C({3, 40, 5})},
            [](const In& x, Device) { return log_softmax(x[0], 1); });
  push("dropout", {C({4, 4})}, [](const In& x, Device) {
    tg::Generator g(3);  // the same mask on every evaluation and on both devices (Philox)
    return dropout(x[0], 0.5, true, &g);
  });

  // Views and conversions.
  push("view", {C({3, 4})}, [](const In& x, Device) { return x[0].view({2, 6}) * 2.0; });
  push("reshape_copy", {T({3, 4})}, [](const In& x, Device) { return x[0].reshape({12}) * 2.0; });
  push("transpose", {C({2, 3, 4})}, [](const In& x, Device) { return x[0].transpose(0, 2).contiguous(); });
  push("transpose_same_dim", {C({2, 3})}, [](const In& x, Device) { return x[0].transpose(1, 1) * 1.5; });
  push("permute", {C({2, 3, 4})}, [](const In& x, Device) { return x[0].permute({2, 0, 1}) * 3.0; });
  push("narrow", {C({4, 3})}, [](const In& x, Device) { return x[0].narrow(0, 1, 2) * 2.0; });
  push("slice_step", {T({3, 5})}, [](const In& x, Device) { return x[0].slice(1, 0, 5, 2) * 2.0; });
  push("select", {C({3, 4})},
      [](const In& x, Device) { return x[0].select(1, 2) * x[0].select(0, 1).sum(); });
  push("expand", {C({3, 1})}, [](const In& x, Device) { return x[0].expand({2, 3, 4}) * 2.0; });
  push("squeeze", {C({3, 1, 2})}, [](const In& x, Device) { return x[0].squeeze() * 2.0; });
  push("squeeze_dim", {C({3, 1, 2})}, [](const In& x, Device) { return x[0].squeeze(1) * 2.0; });
  push("unsqueeze", {C({3, 2})}, [](const In& x, Device) { return x[0].unsqueeze(1) * 2.0; });
  push("flatten", {T({3, 4})}, [](const In& x, Device) { return x[0].flatten() * 2.0; });
  push("clone", {S({3, 2})}, [](const In& x, Device) { return x[0].clone() * 2.0; });
  push("to_device_and_back", {C({3, 2})}, [](const In& x, Device d) {
    return (x[0].to(tg::Device{tg::kCPU}) * 2.0).to(d) + x[0];
  });
  return t;
}

}  // namespace tg_test::ops
