// tests/cuda/test_cuda_ops.cpp — every row of the shared op table (tests/op_table.h, the CPU
// gradcheck's rows plus the large ones) run on the GPU and on the CPU from the same inputs, in
// float32 and float64: outputs and the gradients of every input must agree (tolerances:
// cuda_test_util.h). Inputs come contiguous, transposed, sliced (non-contiguous) and broadcast,
// built with the same views on both devices.
#include <cstring>
#include <functional>

#include "../op_table.h"
#include "cuda_test_util.h"

namespace {

using tg::Device;
using tg::DimVec;
using tg::Tensor;
using tg_test::ops::Domain;
using tg_test::ops::In;
using tg_test::ops::Input;
using tg_test::ops::Layout;
using tg_test::ops::Row;
using tgc::kCpu;
using tgc::kGpu;

// Rows with long sums (hundreds to 10^5 terms): float32 rounding differs by more than an ulp
// between summation orders, so their tolerance is 20x the base one.
double scale_for(const Row& row) { return row.large ? 20.0 : 1.0; }

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

void run_table(tg::DType dtype) {
  tg::Generator gen(7);
  for (const Row& row : tg_test::ops::op_table()) {
    CAPTURE(row.name);
    std::vector<Tensor> cpu_in, gpu_in;
    for (const Input& in : row.inputs) {
      auto [c, g] = make_pair(in, dtype, gen);
      cpu_in.push_back(c);
      gpu_in.push_back(g);
    }
    Tensor cpu_out = row.fn(cpu_in, kCpu);
    Tensor gpu_out = row.fn(gpu_in, kGpu);
    const double scale = scale_for(row);
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
