// tests/cuda/test_cuda_limits.cpp — the edges a desk review of kernels/cuda could not settle
// without a GPU: bad indices must raise tg::Error (a device-side fault would kill the CUDA context
// for the rest of the process), empty and size-1 shapes, tensors past 2^31 elements (64-bit index
// arithmetic in the elementwise, reduction, arg-reduction and index kernels), and the benchmark's
// embedding shape (1M x 64 table, batch 65,536) against the CPU.
#include <cstdint>
#include <limits>
#include <string>

#include "cuda_test_util.h"

namespace {

using tg::Tensor;
using tgc::kCpu;
using tgc::kGpu;

Tensor ids_on_gpu(const std::vector<int64_t>& v, std::optional<tg::DimVec> shape = std::nullopt) {
  return tg::from_vector<int64_t>(v, shape, kGpu);
}

}  // namespace

TEST_CASE("cuda: out-of-range indices raise tg::Error and the GPU keeps working") {
  tg::Generator gen(41);
  Tensor wc = tg::randn({10, 4}, &gen);
  Tensor w = wc.to(kGpu);
  Tensor src = tg::ones({2, 4}, tg::kFloat32, kGpu);
  for (const std::vector<int64_t>& bad :
       {std::vector<int64_t>{0, 10}, std::vector<int64_t>{-1, 2}}) {
    CAPTURE(bad[0]);
    CAPTURE(bad[1]);
    const Tensor ids = ids_on_gpu(bad);
    CHECK_THROWS_WITH_AS(tg::index_select(w, 0, ids), doctest::Contains("out of bounds"),
                         tg::Error);
    CHECK_THROWS_AS(tg::embedding(w, ids), tg::Error);
    CHECK_THROWS_AS(tg::embedding(w, ids, true), tg::Error);
    CHECK_THROWS_AS(tg::index_add(w, 0, ids, src), tg::Error);
    CHECK_THROWS_AS(tg::sparse_rows(ids, src, {10, 4}), tg::Error);
  }
  Tensor col = ids_on_gpu({0, 4, 1}, tg::DimVec{3, 1});  // 4 is past dim 1's size
  CHECK_THROWS_AS(tg::gather(w, 1, col), tg::Error);
  CHECK_THROWS_AS(tg::scatter_add(w, 1, col, tg::ones({3, 1}, tg::kFloat32, kGpu)), tg::Error);
  // The context is still usable: no kernel ran with the bad indices.
  tg::cuda::synchronize();
  const Tensor good = tg::from_vector<int64_t>({9, 0, 9});
  tgc::check_equal(tg::index_select(w, 0, good.to(kGpu)), tg::index_select(wc, 0, good),
                   "index_select after the errors");
}

TEST_CASE("cuda: empty and size-1 shapes agree with the CPU") {
  tg::Generator gen(42);
  // Reductions over a dim of size 0 give the identity; over size 1, the input.
  Tensor e = tg::randn({3, 0, 2}, &gen);
  tgc::check_close(tg::sum(e.to(kGpu), {1}), tg::sum(e, {1}), "sum over an empty dim");
  tgc::check_close(tg::prod(e.to(kGpu), {1}), tg::prod(e, {1}), "prod over an empty dim");
  tgc::check_close(tg::sum(e.to(kGpu)), tg::sum(e), "sum of an empty tensor");
  Tensor one = tg::randn({4, 1, 3}, &gen);
  tgc::check_close(tg::sum(one.to(kGpu), {1}), tg::sum(one, {1}), "sum over a size-1 dim");
  tgc::check_close(tg::softmax(one.to(kGpu), 1), tg::softmax(one, 1), "softmax over size 1");
  tgc::check_equal(tg::argmax(one.to(kGpu), 1), tg::argmax(one, 1), "argmax over size 1");
  // 0-dim tensors.
  Tensor s = tg::full({}, 1.5, tg::kFloat32);
  tgc::check_close(tg::sum(s.to(kGpu)), tg::sum(s), "sum of a 0-dim tensor");
  tgc::check_close(tg::amax(s.to(kGpu)), tg::amax(s), "amax of a 0-dim tensor");
  tgc::check_close(s.to(kGpu) * 2.0, s * 2.0, "0-dim elementwise");
  // Matmul with an empty inner dim: zeros (cuBLAS is not called with k = 0).
  Tensor a = tg::randn({3, 0}, &gen), b = tg::randn({0, 5}, &gen);
  tgc::check_close(tg::matmul(a.to(kGpu), b.to(kGpu)), tg::matmul(a, b), "matmul k = 0");
  // An empty batch of ids: lookup, sparse backward, coalesce and a SparseAdam step.
  Tensor wc = tg::randn({6, 3}, &gen).requires_grad_();
  Tensor wg = wc.detach().to(kGpu).requires_grad_();
  tg::optim::SparseAdam oc({wc}, {.lr = 0.1}), og({wg}, {.lr = 0.1});
  Tensor none = tg::from_vector<int64_t>({});
  for (auto [w, o, dev] : {std::tuple{wc, &oc, kCpu}, std::tuple{wg, &og, kGpu}}) {
    Tensor out = tg::embedding(w, none.to(dev), true);
    CHECK(out.sizes() == tg::DimVec{0, 3});
    out.sum().backward();
    REQUIRE(w.grad().defined());
    CHECK(w.grad().coalesce().indices().numel() == 0);
    o->step();
  }
  tgc::check_equal(wg, wc, "SparseAdam on an empty batch leaves the table alone");
  // index_add with no indices, and sort of rows of length 1.
  Tensor x = tg::randn({4, 3}, &gen);
  tgc::check_equal(
      tg::index_add(x.to(kGpu), 0, none.to(kGpu), tg::empty({0, 3}, tg::kFloat32, kGpu)), x,
      "index_add with no indices");
  Tensor col = tg::randn({5, 1}, &gen);
  tgc::check_equal(std::get<1>(tg::sort(col.to(kGpu), 1)), std::get<1>(tg::sort(col, 1)),
                   "sort of rows of length 1");
}

TEST_CASE("cuda: argmax/argmin over long rows (split into pieces) keep the first best and NaN") {
  // Rows longer than 2 x 32768 elements are cut into pieces whose partials a second pass merges:
  // ties across pieces and NaNs in several pieces must still give the CPU's (first) index.
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  for (tg::DType dt : {tg::kFloat32, tg::kFloat64}) {
    CAPTURE(tg::dtype_name(dt));
    Tensor x = tg::zeros({3, 200'000}, dt);
    for (int64_t j : {150'000, 70'000, 199'999}) x.select(0, 0).narrow(0, j, 1).fill_(1.0);
    for (int64_t j : {190'000, 100'000}) x.select(0, 1).narrow(0, j, 1).fill_(kNaN);
    x.select(0, 2).narrow(0, 5, 1).fill_(-1.0);
    x.select(0, 2).narrow(0, 131'072, 1).fill_(-1.0);
    Tensor g = x.to(kGpu);
    tgc::check_equal(tg::argmax(g, 1), tg::argmax(x, 1), "argmax, rows");
    tgc::check_equal(tg::argmin(g, 1), tg::argmin(x, 1), "argmin, rows");
    tgc::check_equal(tg::argmax(g), tg::argmax(x), "argmax, flattened (NaN)");
    tgc::check_equal(tg::argmax(g.select(0, 0)), tg::argmax(x.select(0, 0)), "argmax, one row");
    tgc::check_close(std::get<0>(tg::max(g, 1)), std::get<0>(tg::max(x, 1)), "max values");
    tgc::check_equal(std::get<1>(tg::max(g, 1)), std::get<1>(tg::max(x, 1)), "max indices");
  }
}

// 2^31 + 1024 float32 elements (8 GiB): every int32 product of an index would wrap here. The
// count is exactly representable in float32, so sums can be compared exactly. Skipped (with a
// message) when the GPU cannot hold the tensors.
TEST_CASE("cuda: tensors past 2^31 elements are indexed with 64 bits") {
  const int64_t n = (int64_t{1} << 31) + 1024;
  Tensor x;
  try {
    x = tg::ones({n}, tg::kFloat32, kGpu);
  } catch (const tg::Error& e) {
    MESSAGE("not run: ", e.what());
    return;
  }
  CHECK(x.sum().item<double>() == static_cast<double>(n));  // two-pass row reduction
  Tensor halves = x.view({2, n / 2}).sum({1});
  CHECK(halves.to_vector<double>() == std::vector<double>{n / 2.0, n / 2.0});
  x.narrow(0, n - 1, 1).fill_(2.0);  // the last element: offset n - 1 > INT32_MAX
  CHECK(tg::argmax(x).item<int64_t>() == n - 1);
  CHECK(tg::amax(x).item<double>() == 2.0);
  {
    Tensor y = x * 3.0;  // contiguous elementwise
    CHECK(y.narrow(0, n - 1, 1).item<double>() == 6.0);
    CHECK(y.narrow(0, 0, 1).item<double>() == 3.0);
  }
  {
    // Strided copy (Offsets with two dims and a large stride): [n/1024, 1024] transposed.
    const int64_t r = n / 1024;
    Tensor t = x.view({r, 1024}).t().contiguous();
    CHECK(t.select(0, 1023).narrow(0, r - 1, 1).item<double>() == 2.0);
    CHECK(t.select(0, 1022).narrow(0, r - 1, 1).item<double>() == 1.0);
  }
  {
    // Row lookups past 2^31 elements: index_select on x viewed as a table of 64-wide rows.
    const int64_t rows = n / 64;
    Tensor picked = tg::index_select(x.view({rows, 64}), 0, ids_on_gpu({rows - 1, 0}));
    CHECK(picked.sum().item<double>() == 129.0);
    CHECK(picked.select(0, 0).narrow(0, 63, 1).item<double>() == 2.0);
  }
  x = Tensor();
  tg::cuda::empty_cache();  // give the 8-24 GiB back for the other tests
}

// The benchmark's shape (bench/bench_cuda.cpp): a 1M x 64 table, 65,536 random ids.
TEST_CASE("cuda: a 1M x 64 embedding with batch 65,536 matches the CPU (dense and SparseAdam)") {
  tg::Generator gen(43);
  const int64_t rows = 1'000'000, dim = 64, batch = 65'536;
  Tensor w = tg::randn({rows, dim}, &gen);
  Tensor ids = tg::randint(0, rows, {batch}, &gen);
  Tensor up = tg::randn({batch, dim}, &gen);
  Tensor ids_g = ids.to(kGpu), up_g = up.to(kGpu);
  // detach(): fresh leaves even where to(kGpu) returns w itself (a CPU dry run of this file).
  {  // dense gradient: index_add over sorted ids, bit for bit
    Tensor wc = w.clone().requires_grad_(), wg = w.to(kGpu).detach().requires_grad_();
    (tg::embedding(wc, ids) * up).sum().backward();
    (tg::embedding(wg, ids_g) * up_g).sum().backward();
    tgc::check_equal(wg.grad(), wc.grad(), "dense embedding gradient");
  }
  {  // sparse gradient, coalesced on the device, then one fused SparseAdam step
    Tensor wc = w.clone().requires_grad_(), wg = w.to(kGpu).detach().requires_grad_();
    tg::optim::SparseAdam oc({wc}, {.lr = 1e-2}), og({wg}, {.lr = 1e-2});
    (tg::embedding(wc, ids, true) * up).sum().backward();
    (tg::embedding(wg, ids_g, true) * up_g).sum().backward();
    Tensor cc = wc.grad().coalesce(), gc = wg.grad().coalesce();
    tgc::check_equal(gc.indices(), cc.indices(), "coalesced rows");
    tgc::check_equal(gc.values(), cc.values(), "coalesced values");
    oc.step();
    og.step();
    tgc::check_close(wg, wc, "table after one SparseAdam step", 10.0);
  }
}
