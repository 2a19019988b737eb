// tests/cuda/test_cuda_runtime.cpp — transfers, the caching allocator, errors, random numbers,
// the CPU's ordering rules (NaN, ties), determinism and TF32, on the GPU against the CPU.
#include <cmath>
#include <cstring>
#include <limits>

#include "cuda_test_util.h"

namespace {

using tg::Device;
using tg::Tensor;
using tgc::kCpu;
using tgc::kGpu;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("cuda: tg::cuda reports the device") {
  CHECK(tg::cuda::is_available());
  CHECK(tg::cuda::device_count() >= 1);
  CHECK(tg::parse_device("cuda:0") == kGpu);
  tg::cuda::synchronize();
}

TEST_CASE("cuda: to(device) round trips every dtype, small and staged through pinned memory") {
  tg::Generator gen(5);
  // 3 elements (one cudaMemcpy), and 3M + 7 elements (> 1 MiB: the pinned double-buffered path,
  // several 4 MiB chunks and a ragged last one).
  for (int64_t n : {int64_t{3}, int64_t{3'000'007}}) {
    CAPTURE(n);
    Tensor f = tg::randn({n}, &gen, tg::kFloat64);
    for (tg::DType dt : {tg::kFloat32, tg::kFloat64, tg::kInt64, tg::kBool}) {
      CAPTURE(tg::dtype_name(dt));
      Tensor c = (f * 100.0).to(dt);
      Tensor g = c.to(kGpu);
      CHECK(g.device() == kGpu);
      CHECK(g.dtype() == dt);
      tgc::check_equal(g.to(kCpu), c, "round trip");
    }
  }
  // A non-contiguous source is made contiguous on its device first.
  Tensor m = tg::randn({40, 30}, &gen);
  tgc::check_equal(m.t().to(kGpu), m.t().contiguous(), "transposed to gpu");
  Tensor mg = m.to(kGpu);
  tgc::check_equal(mg.t().to(kCpu), m.t().contiguous(), "transposed to cpu");
  CHECK(mg.t().to(kCpu).is_contiguous());
  // item() and to_vector() read through the device.
  CHECK(tg::full({}, 2.5, tg::kFloat64, kGpu).item<double>() == 2.5);
  CHECK(tg::arange(0, 5, 1, tg::kInt64, kGpu).to_vector<int64_t>() ==
        std::vector<int64_t>{0, 1, 2, 3, 4});
}

TEST_CASE("cuda: gradients flow back across to(device)") {
  Tensor x = tg::tensor({1.0, -2.0, 3.0}).requires_grad_();
  Tensor y = (x.to(kGpu) * x.to(kGpu)).sum();
  y.backward();
  REQUIRE(x.grad().defined());
  CHECK(x.grad().device() == kCpu);
  CHECK(x.grad().to_vector<double>() == std::vector<double>{2.0, -4.0, 6.0});
}

TEST_CASE("cuda: mixing devices in one op is a clear error") {
  Tensor c = tg::ones({3});
  Tensor g = tg::ones({3}, tg::kFloat32, kGpu);
  CHECK_THROWS_WITH_AS(tg::add(c, g), doctest::Contains("same device"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::matmul(c.view({1, 3}), g.view({3, 1})), doctest::Contains("same device"),
                       tg::Error);
  CHECK_THROWS_AS(tg::index_select(g, 0, tg::from_vector<int64_t>({0, 1})), tg::Error);
  CHECK_THROWS_AS(tg::where(tg::gt(c, 0.0), g, g), tg::Error);
  CHECK_THROWS_AS(g.add_(c), tg::Error);
  Tensor p = tg::zeros({3}).requires_grad_();
  CHECK_THROWS_WITH_AS(p.set_grad(g), doctest::Contains("cuda:0"), tg::Error);
  Tensor sparse_cpu = tg::sparse_rows(tg::from_vector<int64_t>({0}), tg::ones({1, 3}), {2, 3});
  Tensor dense_gpu = tg::zeros({2, 3}, tg::kFloat32, kGpu);
  CHECK_THROWS_WITH_AS(tg::add_sparse_(dense_gpu, sparse_cpu, 1.0),
                       doctest::Contains("same device"), tg::Error);
  // A GPU index past the last one.
  CHECK_THROWS_WITH_AS(tg::zeros({2}, tg::kFloat32, Device{tg::kCUDA, 99}),
                       doctest::Contains("cuda:99"), tg::Error);
}

TEST_CASE("cuda: an impossible allocation raises tg::Error (out of memory), and the GPU recovers") {
  const auto before = tg::cuda::memory_stats();
  CHECK_THROWS_WITH_AS(tg::empty({int64_t{1} << 40}, tg::kFloat32, kGpu),  // 4 TiB
                       doctest::Contains("out of memory"), tg::Error);
  CHECK(tg::cuda::memory_stats().num_ooms == before.num_ooms + 1);
  Tensor ok = tg::ones({1000}, tg::kFloat32, kGpu);
  CHECK(ok.sum().item<double>() == 1000.0);
}

TEST_CASE("cuda: the caching allocator reuses blocks; empty_cache returns them") {
  tg::cuda::empty_cache();
  {
    Tensor a = tg::empty({1000}, tg::kFloat32, kGpu);
    Tensor b = tg::empty({3 << 20}, tg::kFloat32, kGpu);
  }
  const auto s1 = tg::cuda::memory_stats();
  CHECK(s1.reserved_bytes > 0);
  {
    Tensor a = tg::empty({1000}, tg::kFloat32, kGpu);  // same size classes: from the cache
    Tensor b = tg::empty({3 << 20}, tg::kFloat32, kGpu);
    const auto s2 = tg::cuda::memory_stats();
    CHECK(s2.num_device_mallocs == s1.num_device_mallocs);
    CHECK(s2.num_cache_hits >= s1.num_cache_hits + 2);
    CHECK(s2.allocated_bytes >= 4000 + (int64_t{12} << 20));
  }
  tg::cuda::empty_cache();
  const auto s3 = tg::cuda::memory_stats();
  CHECK(s3.reserved_bytes == s3.allocated_bytes);
  // Storage's per-device-type statistics see GPU tensors too.
  const auto t0 = tg::memory_stats(kGpu);
  Tensor c = tg::empty({256}, tg::kFloat64, kGpu);
  CHECK(tg::memory_stats(kGpu).allocated_bytes == t0.allocated_bytes + 2048);
}

TEST_CASE("cuda: no allocator growth over 10,000 small training steps") {
  tg::Generator gen(1);
  tg::nn::Linear fc1(16, 32, true, &gen), fc2(32, 1, true, &gen);
  fc1.to(kGpu);
  fc2.to(kGpu);
  std::vector<Tensor> params = fc1.parameters();
  for (const Tensor& p : fc2.parameters()) params.push_back(p);
  tg::optim::Adam opt(params, {.lr = 1e-3});
  Tensor x = tg::randn({64, 16}, &gen).to(kGpu), y = tg::randn({64, 1}, &gen).to(kGpu);
  auto step = [&] {
    opt.zero_grad();
    Tensor loss = tg::mean(tg::pow(fc2.forward(tg::relu(fc1.forward(x))) - y, 2.0));
    loss.backward();
    opt.step();
    return loss;
  };
  for (int i = 0; i < 20; ++i) step();
  tg::cuda::synchronize();
  const auto warm = tg::cuda::memory_stats();
  double last = 0;
  for (int i = 0; i < 10000; ++i) {
    Tensor loss = step();
    if (i % 1000 == 999) last = loss.item<double>();
  }
  const auto after = tg::cuda::memory_stats();
  CHECK(after.num_device_mallocs == warm.num_device_mallocs);
  CHECK(after.reserved_bytes == warm.reserved_bytes);
  CHECK(after.allocated_bytes == warm.allocated_bytes);
  CHECK(std::isfinite(last));
}

TEST_CASE("cuda: Philox random numbers equal the CPU's for the same seed and offset") {
  for (tg::DType dt : {tg::kFloat32, tg::kFloat64}) {
    CAPTURE(tg::dtype_name(dt));
    tg::Generator gc(1234), gg(1234);
    gc.set_offset(77);
    gg.set_offset(77);
    tgc::check_equal(tg::rand({1001}, &gg, dt, kGpu), tg::rand({1001}, &gc, dt), "rand");
    CHECK(gc.offset() == gg.offset());
    // Box-Muller's log/cos may differ by an ulp from glibc's: equal within 1 float ulp / 1e-14.
    Tensor nc = tg::randn({1001}, &gc, dt), ng = tg::randn({1001}, &gg, dt, kGpu);
    std::vector<double> a = nc.to_vector<double>(), b = ng.to_vector<double>();
    for (size_t i = 0; i < a.size(); ++i)
      CHECK(std::fabs(a[i] - b[i]) <=
            (dt == tg::kFloat32 ? 2.4e-7 : 1e-14) * (1 + std::fabs(a[i])));
  }
  tg::Generator gc(9), gg(9);
  tgc::check_equal(tg::randint(-7, 1'000'003, {999}, &gg, tg::kInt64, kGpu),
                   tg::randint(-7, 1'000'003, {999}, &gc), "randint");
  // dropout masks follow.
  tg::Generator dc(3), dg(3);
  Tensor x = tg::ones({50, 50});
  tgc::check_equal(tg::dropout(x.to(kGpu), 0.3, true, &dg), tg::dropout(x, 0.3, true, &dc),
                   "dropout");
}

TEST_CASE("cuda: sort, topk, argmax and max follow the CPU's NaN and tie rules exactly") {
  Tensor x =
      tg::from_vector<double>({3, kNaN, 1, 3, -0.0, 0.0, -kInf, kNaN, 1, kInf}, tg::DimVec{2, 5});
  for (tg::DType dt : {tg::kFloat32, tg::kFloat64}) {
    CAPTURE(tg::dtype_name(dt));
    Tensor c = x.to(dt), g = c.to(kGpu);
    for (bool desc : {false, true}) {
      auto [cv, ci] = tg::sort(c, 1, desc);
      auto [gv, gi] = tg::sort(g, 1, desc);
      tgc::check_close(gv, cv, "sort values");
      tgc::check_equal(gi, ci, "sort indices");
      auto [ctv, cti] = tg::topk(c, 3, 1, !desc);
      auto [gtv, gti] = tg::topk(g, 3, 1, !desc);
      tgc::check_equal(gti, cti, "topk indices");
    }
    tgc::check_equal(tg::argmax(g, 1), tg::argmax(c, 1), "argmax with NaN");
    tgc::check_equal(tg::argmin(g, 0), tg::argmin(c, 0), "argmin");
    tgc::check_close(tg::amax(g, {1}), tg::amax(c, {1}), "amax with NaN");
    tgc::check_close(tg::amin(g), tg::amin(c), "amin with NaN");
  }
  // Ties: the first occurrence, on a long row (block reduction) and down columns.
  Tensor t = tg::zeros({3, 5000});
  t.select(1, 4000).fill_(1.0);
  t.select(1, 123).fill_(1.0);
  tgc::check_equal(tg::argmax(t.to(kGpu), 1), tg::argmax(t, 1), "argmax ties, rows");
  tgc::check_equal(tg::argmax(t.t().contiguous().to(kGpu), 0), tg::argmax(t.t().contiguous(), 0),
                   "argmax ties, columns");
  tgc::check_equal(tg::argsort(t.to(kGpu), 1, true), tg::argsort(t, 1, true), "argsort ties");
}

TEST_CASE("cuda: index_add is deterministic and equal to the CPU bit for bit") {
  tg::Generator gen(21);
  Tensor src = tg::randn({20000, 8}, &gen);
  Tensor ids = tg::randint(0, 50, {20000}, &gen);
  Tensor c = tg::index_add(tg::zeros({50, 8}), 0, ids, src);
  Tensor g1 = tg::index_add(tg::zeros({50, 8}, tg::kFloat32, kGpu), 0, ids.to(kGpu), src.to(kGpu));
  Tensor g2 = tg::index_add(tg::zeros({50, 8}, tg::kFloat32, kGpu), 0, ids.to(kGpu), src.to(kGpu));
  tgc::check_equal(g1, g2, "run to run");
  tgc::check_equal(g1, c, "cpu");
  // Sums are deterministic from run to run as well.
  Tensor big = tg::randn({3, 1 << 20}, &gen).to(kGpu);
  tgc::check_equal(big.sum(), big.sum(), "sum run to run");
  tgc::check_equal(big.sum({1}), big.sum({1}), "row sums run to run");
}

TEST_CASE("cuda: cholesky_solve_spd matches the CPU and rejects non-SPD input") {
  tg::Generator gen(4);
  Tensor m = tg::randn({3, 5, 5}, &gen, tg::kFloat64);
  Tensor a = tg::matmul(m, m.transpose(1, 2)) + tg::eye(5, std::nullopt, tg::kFloat64) * 0.5;
  Tensor b = tg::randn({3, 5, 2}, &gen, tg::kFloat64);
  tgc::check_close(tg::cholesky_solve_spd(a.to(kGpu), b.to(kGpu)), tg::cholesky_solve_spd(a, b),
                   "solve");
  Tensor bad = -a;
  CHECK_THROWS_AS(tg::cholesky_solve_spd(bad.to(kGpu), b.to(kGpu)), tg::Error);
}

TEST_CASE("cuda: TF32 is off by default and can be allowed") {
  CHECK_FALSE(tg::cuda::allow_tf32());
  tg::Generator gen(8);
  Tensor a = tg::randn({256, 256}, &gen), b = tg::randn({256, 256}, &gen);
  Tensor exact = tg::matmul(a, b);
  tgc::check_close(tg::matmul(a.to(kGpu), b.to(kGpu)), exact, "fp32 matmul", 10.0);
  tg::cuda::set_allow_tf32(true);
  CHECK(tg::cuda::allow_tf32());
  Tensor fast = tg::matmul(a.to(kGpu), b.to(kGpu)).cpu();
  tg::cuda::set_allow_tf32(false);
  CHECK(tg::allclose(fast, exact, 1e-2, 5e-2));
}
