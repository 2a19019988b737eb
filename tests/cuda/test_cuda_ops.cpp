// tests/cuda/test_cuda_ops.cpp — every op of the gradcheck table (tests/test_gradcheck_ops.cpp)
// run on the GPU and on the CPU from the same inputs, in float32 and float64: outputs and the
// gradients of every input must agree (tolerances: cuda_test_util.h). Inputs come contiguous,
// transposed, sliced (non-contiguous) and broadcast, built with the same views on both devices.
#include <cstring>
#include <functional>

#include "cuda_test_util.h"

namespace {

using tg::Device;
using tg::DimVec;
using tg::Tensor;
using In = std::vector<Tensor>;
using tgc::kCpu;
using tgc::kGpu;

enum class Layout { Contig, Transposed, Sliced };
enum class Domain { Any, Positive, Unit };

struct Input {
  DimVec shape;
  Layout layout = Layout::Contig;
  Domain domain = Domain::Any;
};

// fn(inputs, device): index tensors and constants are created on `device`.
using Fn = std::function<Tensor(const In&, Device)>;

struct Row {
  std::string name;
  std::vector<Input> inputs;
  Fn fn;
};

// Rows with long sums (hundreds to 10^5 terms): float32 rounding differs by more than an ulp
// between summation orders, so their tolerance is 20x the base one.
double scale_for(const std::string& name) {
  for (const char* big : {"large", "long", "wide", "columns", "many"})
    if (name.find(big) != std::string::npos) return 20.0;
  return 1.0;
}

Input C(DimVec s, Domain d = Domain::Any) { return {s, Layout::Contig, d}; }
Input T(DimVec s, Domain d = Domain::Any) { return {s, Layout::Transposed, d}; }
Input S(DimVec s, Domain d = Domain::Any) { return {s, Layout::Sliced, d}; }

Tensor idx(Device dev, std::vector<int64_t> v, std::optional<DimVec> shape = std::nullopt) {
  return tg::from_vector<int64_t>(v, shape, dev);
}

// The same leaf on the CPU and on the GPU: values drawn once (float64, on the CPU), converted to
// `dtype`, moved, and given the requested layout by the same view ops on each device.
std::pair<Tensor, Tensor> make_pair(const Input& in, tg::DType dtype, tg::Generator& gen) {
  DimVec base = in.shape;
  if (in.layout == Layout::Transposed && base.size() >= 2)
    std::swap(base[base.size() - 1], base[base.size() - 2]);
  if (in.layout == Layout::Sliced && base.size() >= 1) base[base.size() - 1] *= 2;
  Tensor v;
  switch (in.domain) {
    case Domain::Any: v = tg::randn(base, &gen, tg::kFloat64); break;
    case Domain::Positive: v = tg::rand(base, &gen, tg::kFloat64) + 0.5; break;
    case Domain::Unit: v = tg::rand(base, &gen, tg::kFloat64) * 0.8 + 0.1; break;
  }
  v = v.to(dtype);
  auto shape = [&](Tensor t) {
    if (in.layout == Layout::Transposed && in.shape.size() >= 2) t = t.transpose(-1, -2);
    if (in.layout == Layout::Sliced && in.shape.size() >= 1) t = t.slice(-1, 0, base.back(), 2);
    return t.detach().requires_grad_();
  };
  return {shape(v), shape(v.to(kGpu))};
}

std::vector<Row> op_table() {
  using namespace tg;
  std::vector<Row> t;
  auto unary = [&](const std::string& name, std::function<Tensor(const Tensor&)> f,
                   Domain d = Domain::Any) {
    Fn g = [f](const In& x, Device) { return f(x[0]); };
    t.push_back({name, {C({3, 4}, d)}, g});
    t.push_back({name + "/transposed", {T({3, 4}, d)}, g});
    t.push_back({name + "/sliced", {S({2, 3}, d)}, g});
    t.push_back({name + "/large", {C({300, 257}, d)}, g});
  };
  unary("neg", [](const Tensor& x) { return -x; });
  unary("exp", [](const Tensor& x) { return exp(x); });
  unary("log", [](const Tensor& x) { return log(x); }, Domain::Positive);
  unary("sqrt", [](const Tensor& x) { return sqrt(x); }, Domain::Positive);
  unary("rsqrt", [](const Tensor& x) { return rsqrt(x); }, Domain::Positive);
  unary("abs", [](const Tensor& x) { return abs(x); });
  unary("sign", [](const Tensor& x) { return sign(x) * x; });
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

  auto binary = [&](const std::string& name, std::function<Tensor(const Tensor&, const Tensor&)> f,
                    Domain da = Domain::Any, Domain db = Domain::Any) {
    Fn g = [f](const In& x, Device) { return f(x[0], x[1]); };
    t.push_back({name, {C({3, 4}, da), C({3, 4}, db)}, g});
    t.push_back({name + "/broadcast", {C({3, 1}, da), C({4}, db)}, g});
    t.push_back({name + "/broadcast_scalar", {C({2, 3}, da), C({}, db)}, g});
    t.push_back({name + "/transposed", {T({3, 4}, da), C({3, 4}, db)}, g});
    t.push_back({name + "/sliced", {C({2, 3}, da), S({2, 3}, db)}, g});
    t.push_back({name + "/broadcast_3d", {C({5, 1, 7}, da), T({6, 7}, db)}, g});
  };
  binary("add", [](const Tensor& a, const Tensor& b) { return a + b; });
  binary("add_alpha", [](const Tensor& a, const Tensor& b) { return add(a, b, 2.5); });
  binary("sub", [](const Tensor& a, const Tensor& b) { return sub(a, b, 0.5); });
  binary("mul", [](const Tensor& a, const Tensor& b) { return a * b; });
  binary("div", [](const Tensor& a, const Tensor& b) { return a / b; }, Domain::Any, Domain::Positive);
  binary("pow", [](const Tensor& a, const Tensor& b) { return pow(a, b); }, Domain::Positive);
  binary("maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); });
  binary("minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); });
  t.push_back({"where", {C({3, 4}), C({4})}, [](const In& x, Device) {
                 return where(gt(x[0].detach(), 0.0), x[0], x[1]);
               }});
  t.push_back({"masked_fill", {T({3, 4})}, [](const In& x, Device) {
                 return masked_fill(x[0], lt(x[0].detach(), 0.0), 0.25);
               }});
  t.push_back({"mixed_dtype", {C({3})}, [](const In& x, Device d) {
                 return (x[0].to(kFloat32) * tg::ones({3}, kFloat32, d)).to(kFloat64);
               }});

  auto reduction = [&](const std::string& name,
                       std::function<Tensor(const Tensor&, const DimVec&, bool)> f,
                       Domain d = Domain::Any) {
    auto row = [&](const std::string& suffix, Input in, DimVec dims, bool keep) {
      t.push_back({name + suffix, {in}, [f, dims, keep](const In& x, Device) { return f(x[0], dims, keep); }});
    };
    row("/all", C({3, 4}, d), {}, false);
    row("/dim0", C({3, 4}, d), {0}, false);
    row("/dim1_keepdim", C({3, 4}, d), {1}, true);
    row("/dims_0_2", C({2, 3, 2}, d), {0, 2}, false);
    row("/neg_dim_transposed", T({3, 4}, d), {-1}, false);
    row("/long_row", C({2, 70000}, d), {1}, false);      // chunked row path
    row("/all_long", C({200000}, d), {}, false);         // one long row, two passes
    row("/columns", C({300, 50}, d), {0}, false);        // B > 1 column path
    row("/few_columns", C({3000, 2}, d), {0}, false);    // transposed to rows
  };
  reduction("sum", [](const Tensor& x, const DimVec& d, bool k) { return sum(x, d, k); });
  reduction("mean", [](const Tensor& x, const DimVec& d, bool k) { return mean(x, d, k); });
  reduction("prod", [](const Tensor& x, const DimVec& d, bool k) { return prod(x * 0.001 + 0.9995, d, k); }, Domain::Positive);
  reduction("var", [](const Tensor& x, const DimVec& d, bool k) { return var(x, d, 1, k); });
  reduction("std", [](const Tensor& x, const DimVec& d, bool k) { return tg::std(x, d, 1, k); });
  reduction("amax", [](const Tensor& x, const DimVec& d, bool k) { return amax(x, d, k); });
  reduction("amin", [](const Tensor& x, const DimVec& d, bool k) { return amin(x, d, k); });
  reduction("norm2", [](const Tensor& x, const DimVec& d, bool k) { return norm(x, 2.0, d, k); });
  reduction("logsumexp", [](const Tensor& x, const DimVec& d, bool k) {
    DimVec dims = d;
    if (dims.empty())
      for (int i = 0; i < x.dim(); ++i) dims.push_back(i);
    return logsumexp(x, dims, k);
  });
  t.push_back({"max_dim", {C({3, 4})}, [](const In& x, Device) { return std::get<0>(max(x[0], 1)); }});
  t.push_back({"max_dim_keepdim_transposed", {T({3, 4})}, [](const In& x, Device) { return std::get<0>(max(x[0], 0, true)); }});
  t.push_back({"min_dim", {C({3, 4})}, [](const In& x, Device) { return std::get<0>(min(x[0], -1)); }});
  t.push_back({"max_dim_long", {C({3, 5000})}, [](const In& x, Device) { return std::get<0>(max(x[0], 1)); }});
  t.push_back({"min_dim0_few_columns", {C({4000, 3})}, [](const In& x, Device) { return std::get<0>(min(x[0], 0)); }});
  t.push_back({"max_all", {C({3, 4})}, [](const In& x, Device) { return max(x[0]); }});

  auto mm = [&](const std::string& name, std::vector<Input> in) {
    t.push_back({name, in, [](const In& x, Device) { return matmul(x[0], x[1]); }});
  };
  mm("matmul/2d", {C({3, 4}), C({4, 2})});
  mm("matmul/2d_transposed", {T({3, 4}), T({4, 2})});
  mm("matmul/2d_sliced", {S({3, 4}), S({4, 2})});
  mm("matmul/1d_1d", {C({4}), C({4})});
  mm("matmul/1d_2d", {C({4}), C({4, 2})});
  mm("matmul/2d_1d", {C({3, 4}), C({4})});
  mm("matmul/batched", {C({2, 3, 4}), C({2, 4, 2})});
  mm("matmul/batched_broadcast", {C({2, 1, 3, 4}), C({3, 4, 2})});
  mm("matmul/batched_2d", {C({2, 3, 4}), S({4, 2})});
  mm("matmul/large", {C({130, 257}), T({257, 65})});
  t.push_back({"mm", {C({2, 3}), C({3, 2})}, [](const In& x, Device) { return tg::mm(x[0], x[1]); }});
  t.push_back({"bmm", {C({2, 2, 3}), T({2, 3, 2})}, [](const In& x, Device) { return bmm(x[0], x[1]); }});
  t.push_back({"addmm", {C({2}), C({3, 4}), C({4, 2})}, [](const In& x, Device) { return addmm(x[0], x[1], x[2], 0.5, 2.0); }});
  t.push_back({"addmm/full_bias", {C({3, 2}), T({3, 4}), C({4, 2})}, [](const In& x, Device) { return addmm(x[0], x[1], x[2]); }});
  t.push_back({"outer", {C({3}), C({2})}, [](const In& x, Device) { return outer(x[0], x[1]); }});
  t.push_back({"dot", {C({4}), S({4})}, [](const In& x, Device) { return dot(x[0], x[1]); }});

  t.push_back({"index_select/dim0_repeats", {C({4, 3})}, [](const In& x, Device d) { return index_select(x[0], 0, idx(d, {2, 0, 2})); }});
  t.push_back({"index_select/dim1_transposed", {T({3, 4})}, [](const In& x, Device d) { return index_select(x[0], 1, idx(d, {3, 1})); }});
  t.push_back({"embedding", {C({5, 3})}, [](const In& x, Device d) { return embedding(x[0], idx(d, {4, 0, 4, 1}, DimVec{2, 2})); }});
  t.push_back({"embedding/sparse_grad", {C({5, 3})}, [](const In& x, Device d) { return embedding(x[0], idx(d, {4, 0, 4, 1}, DimVec{2, 2}), true); }});
  t.push_back({"embedding/many_repeats", {C({50, 16})}, [](const In& x, Device d) {
                 std::vector<int64_t> ids;
                 for (int i = 0; i < 3000; ++i) ids.push_back((i * 7919) % 37);
                 return embedding(x[0], idx(d, ids));
               }});
  t.push_back({"take", {T({3, 4})}, [](const In& x, Device d) { return take(x[0], idx(d, {0, 5, -1})); }});
  t.push_back({"gather", {C({3, 4})}, [](const In& x, Device d) { return gather(x[0], 1, idx(d, {0, 3, 3, 1, 2, 2}, DimVec{3, 2})); }});
  t.push_back({"gather/transposed", {T({4, 3})}, [](const In& x, Device d) { return gather(x[0], 0, idx(d, {0, 3, 3, 1, 2, 2}, DimVec{2, 3})); }});
  t.push_back({"scatter", {C({3, 4}), C({2, 4})}, [](const In& x, Device d) {
                 return scatter(x[0], 0, idx(d, {0, 2, 1, 0, 2, 1, 0, 2}, DimVec{2, 4}), x[1]);
               }});
  t.push_back({"scatter/src_larger", {C({3, 4}), C({3, 4})}, [](const In& x, Device d) {
                 return scatter(x[0], 1, idx(d, {1, 0, 3}, DimVec{3, 1}), x[1]);
               }});
  t.push_back({"scatter_value", {C({3, 4})}, [](const In& x, Device d) { return scatter(x[0], 1, idx(d, {1, 0, 3}, DimVec{3, 1}), tg::Scalar(2.0)); }});
  t.push_back({"scatter_add", {C({3, 4}), C({2, 4})}, [](const In& x, Device d) {
                 return scatter_add(x[0], 0, idx(d, {0, 0, 1, 2, 2, 2, 1, 0}, DimVec{2, 4}), x[1]);
               }});
  t.push_back({"index_add", {C({4, 3}), C({3, 3})}, [](const In& x, Device d) { return index_add(x[0], 0, idx(d, {1, 3, 1}), x[1], 0.5); }});
  t.push_back({"index_add/dim1", {C({2, 4, 3}), C({2, 5, 3})}, [](const In& x, Device d) { return index_add(x[0], 1, idx(d, {1, 3, 1, 0, 1}), x[1]); }});
  t.push_back({"cat", {C({2, 3}), T({2, 2}), C({2, 1})}, [](const In& x, Device) { return cat({x[0], x[1], x[2]}, 1); }});
  t.push_back({"stack", {C({2, 3}), S({2, 3})}, [](const In& x, Device) { return stack({x[0], x[1]}, 1); }});
  t.push_back({"split", {C({5, 2})}, [](const In& x, Device) { auto p = split(x[0], 2, 0); return p[1] * p[2].sum(); }});
  t.push_back({"chunk", {C({2, 6})}, [](const In& x, Device) { auto p = chunk(x[0], 3, 1); return p[0] * p[2]; }});
  t.push_back({"topk", {C({3, 5})}, [](const In& x, Device) { return std::get<0>(topk(x[0], 2, 1)); }});
  t.push_back({"topk/smallest_dim0", {T({4, 3})}, [](const In& x, Device) { return std::get<0>(topk(x[0], 2, 0, false)); }});
  t.push_back({"topk/wide", {C({7, 3000})}, [](const In& x, Device) { return std::get<0>(topk(x[0], 10, 1)); }});
  t.push_back({"sort", {C({2, 4})}, [](const In& x, Device) { return std::get<0>(sort(x[0], -1, true)); }});
  t.push_back({"sort/one_row", {C({5000})}, [](const In& x, Device) { return std::get<0>(sort(x[0])); }});

  t.push_back({"softmax", {C({3, 4})}, [](const In& x, Device) { return softmax(x[0], 1); }});
  t.push_back({"softmax/dim0_transposed", {T({3, 4})}, [](const In& x, Device) { return softmax(x[0], 0); }});
  t.push_back({"softmax/wide", {C({4, 3000})}, [](const In& x, Device) { return softmax(x[0], 1); }});
  t.push_back({"log_softmax", {C({3, 4})}, [](const In& x, Device) { return log_softmax(x[0], -1); }});
  t.push_back({"log_softmax/dim0_sliced", {S({3, 2})}, [](const In& x, Device) { return log_softmax(x[0], 0); }});
  t.push_back({"log_softmax/middle_dim", {C({3, 40, 5})}, [](const In& x, Device) { return log_softmax(x[0], 1); }});
  t.push_back({"dropout", {C({4, 4})}, [](const In& x, Device) {
                 tg::Generator g(3);  // the same mask on both devices (Philox parity)
                 return dropout(x[0], 0.5, true, &g);
               }});

  t.push_back({"view", {C({3, 4})}, [](const In& x, Device) { return x[0].view({2, 6}) * 2.0; }});
  t.push_back({"reshape_copy", {T({3, 4})}, [](const In& x, Device) { return x[0].reshape({12}) * 2.0; }});
  t.push_back({"transpose", {C({2, 3, 4})}, [](const In& x, Device) { return x[0].transpose(0, 2).contiguous(); }});
  t.push_back({"permute", {C({2, 3, 4})}, [](const In& x, Device) { return x[0].permute({2, 0, 1}) * 3.0; }});
  t.push_back({"narrow", {C({4, 3})}, [](const In& x, Device) { return x[0].narrow(0, 1, 2) * 2.0; }});
  t.push_back({"slice_step", {T({3, 5})}, [](const In& x, Device) { return x[0].slice(1, 0, 5, 2) * 2.0; }});
  t.push_back({"select", {C({3, 4})}, [](const In& x, Device) { return x[0].select(1, 2) * x[0].select(0, 1).sum(); }});
  t.push_back({"expand", {C({3, 1})}, [](const In& x, Device) { return x[0].expand({2, 3, 4}) * 2.0; }});
  t.push_back({"squeeze", {C({3, 1, 2})}, [](const In& x, Device) { return x[0].squeeze() * 2.0; }});
  t.push_back({"unsqueeze", {C({3, 2})}, [](const In& x, Device) { return x[0].unsqueeze(1) * 2.0; }});
  t.push_back({"flatten", {T({3, 4})}, [](const In& x, Device) { return x[0].flatten() * 2.0; }});
  t.push_back({"clone", {S({3, 2})}, [](const In& x, Device) { return x[0].clone() * 2.0; }});
  t.push_back({"to_device_and_back", {C({3, 2})}, [](const In& x, Device d) {
                 return (x[0].to(kCpu) * 2.0).to(d) + x[0];
               }});
  return t;
}

void run_table(tg::DType dtype) {
  tg::Generator gen(7);
  for (const Row& row : op_table()) {
    CAPTURE(row.name);
    std::vector<Tensor> cpu_in, gpu_in;
    for (const Input& in : row.inputs) {
      auto [c, g] = make_pair(in, dtype, gen);
      cpu_in.push_back(c);
      gpu_in.push_back(g);
    }
    Tensor cpu_out = row.fn(cpu_in, kCpu);
    Tensor gpu_out = row.fn(gpu_in, kGpu);
    const double scale = scale_for(row.name);
    tgc::check_close(gpu_out, cpu_out, row.name + " forward", scale);
    if (!cpu_out.requires_grad()) continue;
    Tensor up = tg::randn(cpu_out.sizes(), &gen, tg::kFloat64).to(cpu_out.dtype());
    auto cg = tg::autograd::grad({cpu_out}, cpu_in, {up}, false, false, true);
    auto gg = tg::autograd::grad({gpu_out}, gpu_in, {up.to(kGpu)}, false, false, true);
    REQUIRE(cg.size() == gg.size());
    for (size_t i = 0; i < cg.size(); ++i)
      tgc::check_close(gg[i], cg[i], row.name + " grad of input " + std::to_string(i), scale);
  }
}

}  // namespace

TEST_CASE("cuda parity: every op of the table and its gradients, float32") {
  run_table(tg::kFloat32);
}

TEST_CASE("cuda parity: every op of the table and its gradients, float64") {
  run_table(tg::kFloat64);
}

TEST_CASE("cuda parity: integer and bool elementwise ops are exact") {
  using namespace tg;
  Generator gen(11);
  Tensor a = randint(-5, 6, {4, 5}, &gen), b = randint(-5, 6, {5}, &gen);
  Tensor ag = a.to(kGpu), bg = b.to(kGpu);
  auto same = [](const Tensor& g, const Tensor& c, const std::string& what) {
    CAPTURE(what);
    CHECK(g.device() == kGpu);
    CHECK(g.dtype() == c.dtype());
    CHECK(g.to_vector<double>() == c.to_vector<double>());
  };
  same(ag + bg, a + b, "add");
  same(sub(ag, bg, 3), sub(a, b, 3), "sub alpha");
  same(ag * bg, a * b, "mul");
  same(pow(ag, abs(bg)), pow(a, abs(b)), "pow int");
  same(maximum(ag, bg), maximum(a, b), "maximum");
  same(minimum(ag, bg), minimum(a, b), "minimum");
  same(-ag, -a, "neg");
  same(abs(ag), abs(a), "abs");
  same(sign(ag), sign(a), "sign");
  same(relu(ag), relu(a), "relu");
  same(clamp(ag, -2, 3), clamp(a, -2, 3), "clamp");
  same(ag / bg, a / b, "true division");
  for (auto [name, f] : std::vector<std::pair<std::string, Tensor (*)(const Tensor&, const Tensor&)>>{
           {"eq", eq}, {"ne", ne}, {"lt", lt}, {"le", le}, {"gt", gt}, {"ge", ge},
           {"logical_and", logical_and}, {"logical_or", logical_or}, {"logical_xor", logical_xor}})
    same(f(ag, bg), f(a, b), name);
  Tensor m = gt(a, 0), mg = m.to(kGpu);
  same(logical_not(mg), logical_not(m), "logical_not");
  same(where(mg, ag, bg), where(m, a, b), "where int");
  same(sum(ag, {1}), sum(a, {1}), "sum int64");
  same(prod(clamp(ag, 1, 2), {0}), prod(clamp(a, 1, 2), {0}), "prod int64");
  same(amax(ag, {0}), amax(a, {0}), "amax int64");
  same(sum(mg), sum(m), "sum bool");
  same(amax(mg, {1}), amax(m, {1}), "amax bool");
  same(argmax(ag, 1), argmax(a, 1), "argmax int64");
  same(matmul(ag, ag.t()), matmul(a, a.t()), "matmul int64");
  same(std::get<1>(sort(ag, 1, true)), std::get<1>(sort(a, 1, true)), "argsort int64 (ties)");
  same(std::get<1>(sort(mg, 1)), std::get<1>(sort(m, 1)), "argsort bool");
  same(ag.to(kFloat32), a.to(kFloat32), "int64 -> float32");
  same(ag.to(kBool), a.to(kBool), "int64 -> bool");
  same(ag.t().contiguous(), a.t().contiguous(), "strided copy");
  same(full_like(ag, 7), full_like(a, 7), "fill");
  same(ag.t().clone().fill_(-3), a.t().clone().fill_(-3), "strided fill");
}
