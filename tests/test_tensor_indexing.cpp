// tests/test_tensor_indexing.cpp — index_select, gather, scatter, scatter_add, index_add, take,
// embedding, masked_fill, cat, stack, split, chunk, topk, sort, argsort (values, layouts, errors).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "tensor_test_util.h"

using tgt::check_tensor;
using tgt::check_values;
using tgt::make;

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();
tg::Tensor idx(const std::vector<double>& v, const tg::DimVec& shape) {
  return make(v, shape, tg::kInt64);
}
}  // namespace

TEST_CASE("indexing: index_select over dims, layouts and dtypes") {
  for (tg::DType dt : {tg::kFloat32, tg::kFloat64, tg::kInt64, tg::kBool}) {
    tg::Tensor base = make({1, 0, 3, 4, 0, 6}, {2, 3}, dt);
    std::vector<double> b01 = {1, 0, 1, 1, 0, 1};
    auto conv = [&](std::vector<double> v) {
      if (dt == tg::kBool)
        for (double& e : v) e = e != 0;
      return v;
    };
    for (auto& [name, x] : tgt::layouts(base)) {
      CAPTURE(dt);
      CAPTURE(name);
      check_tensor(tg::index_select(x, 1, idx({2, 0, 2}, {3})), {2, 3}, dt, conv({3, 1, 3, 6, 4, 6}));
      check_tensor(x.index_select(0, idx({1}, {1})), {1, 3}, dt, conv({4, 0, 6}));
      check_tensor(tg::index_select(x, -2, idx({1, 1, 0}, {3})), {3, 3}, dt,
                   conv({4, 0, 6, 4, 0, 6, 1, 0, 3}));
      check_tensor(tg::index_select(x, 1, idx({}, {0})), {2, 0}, dt, {});
      check_tensor(tg::index_select(x, 0, tg::scalar_tensor(1, tg::kInt64)), {1, 3}, dt, conv({4, 0, 6}));
    }
    (void)b01;
  }
  // Strided index.
  tg::Tensor ix = idx({0, 9, 1, 9, 0, 9}, {6}).slice(0, 0, 6, 2);
  check_values(tg::index_select(make({5, 6}, {2}), 0, ix), {5, 6, 5});
  check_tensor(tg::index_select(tg::scalar_tensor(3), 0, idx({0}, {1})), {}, tg::kFloat32, {3});
  CHECK_THROWS_WITH_AS(tg::index_select(tg::scalar_tensor(3), 0, idx({0, 0}, {2})),
                       doctest::Contains("index_select: a 0-dim input takes exactly one index, got 2"),
                       tg::Error);
}

// The row copy has fixed-size paths (with prefetching for 64- to 256-byte rows) and runs of one
// outer slice per chunk: every row size around them, both dims, long index lists split across
// threads, compared element for element with a plain loop.
TEST_CASE("indexing: index_select copies exactly for every row size, dim and thread count") {
  tg::Generator gen(31);
  const int before = tg::get_num_threads();
  for (int threads : {1, 2}) {
    tg::set_num_threads(threads);
    for (int64_t width : {1, 2, 8, 15, 16, 17, 32, 63, 64, 65, 100}) {
      for (int64_t nids : {int64_t{1}, int64_t{37}, int64_t{5000}}) {
        CAPTURE(threads);
        CAPTURE(width);
        CAPTURE(nids);
        const int64_t rows = 300;
        tg::Tensor table = tg::randn({rows, width}, &gen);
        tg::Tensor ids = tg::randint(0, rows, {nids}, &gen);
        const std::vector<float> tv = table.to_vector<float>();
        const std::vector<int64_t> iv = ids.to_vector<int64_t>();
        // dim 0: out[t, j] = table[ids[t], j]
        const std::vector<float> o0 = tg::index_select(table, 0, ids).to_vector<float>();
        REQUIRE(o0.size() == static_cast<size_t>(nids * width));
        bool same0 = true;
        for (int64_t t = 0; t < nids; ++t)
          for (int64_t j = 0; j < width; ++j)
            same0 &= o0[t * width + j] == tv[iv[t] * width + j];
        CHECK(same0);
        // dim 1 of the [width, rows] transpose made contiguous: out[j, t] = tableT[j, ids[t]]
        tg::Tensor tt = table.t().contiguous();
        const std::vector<float> o1 = tg::index_select(tt, 1, ids).to_vector<float>();
        bool same1 = true;
        for (int64_t j = 0; j < width; ++j)
          for (int64_t t = 0; t < nids; ++t)
            same1 &= o1[j * nids + t] == tv[iv[t] * width + j];
        CHECK(same1);
      }
    }
  }
  tg::set_num_threads(before);
}

TEST_CASE("indexing: gather and scatter along each dim") {
  tg::Tensor x = make({1, 2, 3, 4, 5, 6}, {2, 3});
  for (auto& [name, xl] : tgt::layouts(x)) {
    CAPTURE(name);
    check_tensor(tg::gather(xl, 1, idx({2, 0, 1, 1}, {2, 2})), {2, 2}, tg::kFloat32, {3, 1, 5, 5});
    check_tensor(xl.gather(0, idx({1, 0, 1}, {1, 3})), {1, 3}, tg::kFloat32, {4, 2, 6});
    check_tensor(tg::gather(xl, -1, idx({0, 0, 0, 2}, {2, 2}).t()), {2, 2}, tg::kFloat32, {1, 1, 4, 6});
  }
  tg::Tensor z = tg::zeros({2, 3}, tg::kInt64);
  tg::Tensor src = idx({10, 20, 30, 40, 50, 60}, {2, 3});
  check_tensor(tg::scatter(z, 1, idx({2, 0, 1, 1}, {2, 2}), src), {2, 3}, tg::kInt64,
               {20, 0, 10, 0, 50, 0});
  check_tensor(tg::scatter(z, 0, idx({1, 0, 1}, {1, 3}), src), {2, 3}, tg::kInt64,
               {0, 20, 0, 10, 0, 30});
  check_tensor(tg::scatter(z, 1, idx({1, 2}, {2, 1}), 7), {2, 3}, tg::kInt64, {0, 7, 0, 0, 0, 7});
  check_tensor(tg::scatter_add(z, 1, idx({0, 0, 0, 2, 2, 1}, {2, 3}), src), {2, 3}, tg::kInt64,
               {60, 0, 0, 0, 60, 90});
  check_tensor(tg::scatter_add(tg::ones({3}), 0, idx({0, 0, 2, 0}, {4}), make({1, 2, 3, 4}, {4})),
               {3}, tg::kFloat32, {8, 1, 4});
  // scatter on a transposed input and a strided src; the input is not modified.
  tg::Tensor xt = x.t();  // [[1, 4], [2, 5], [3, 6]]
  tg::Tensor s2 = make({9, 0, 8, 0}, {4}).slice(0, 0, 4, 2).view({1, 2});  // [[9, 8]]
  check_tensor(tg::scatter(xt, 0, idx({2, 0}, {1, 2}), s2), {3, 2}, tg::kFloat32, {1, 8, 2, 5, 9, 6});
  check_values(x, {1, 2, 3, 4, 5, 6});
  // src dtype converts to the input's.
  check_tensor(tg::scatter_add(tg::zeros({2}), 0, idx({1}, {1}), idx({3}, {1})), {2}, tg::kFloat32, {0, 3});
}

TEST_CASE("indexing: index_add with repeats and alpha") {
  tg::Tensor x = tg::ones({3, 2});
  tg::Tensor src = make({1, 2, 3, 4, 5, 6}, {3, 2});
  check_tensor(tg::index_add(x, 0, idx({2, 0, 2}, {3}), src), {3, 2}, tg::kFloat32, {4, 5, 1, 1, 7, 9});
  check_tensor(tg::index_add(x, 0, idx({1}, {1}), src.narrow(0, 0, 1), 2.0), {3, 2}, tg::kFloat32,
               {1, 1, 3, 5, 1, 1});
  check_tensor(tg::index_add(x.t(), 1, idx({0, 0}, {2}), src.narrow(0, 0, 2)), {2, 3}, tg::kFloat32,
               {1 + 1 + 2, 1, 1, 1 + 3 + 4, 1, 1});
  check_tensor(tg::index_add(tg::zeros({2}, tg::kInt64), 0, idx({1, 1}, {2}), idx({5, 6}, {2})),
               {2}, tg::kInt64, {0, 11});
  CHECK_THROWS_WITH_AS(tg::index_add(x, 0, idx({0}, {1}), src),
                       doctest::Contains("index_add: src shape [3, 2] must equal [1, 2]"), tg::Error);
}

TEST_CASE("indexing: take and embedding") {
  tg::Tensor x = make({1, 2, 3, 4, 5, 6}, {2, 3}).t();  // logical [[1,4],[2,5],[3,6]]
  check_tensor(tg::take(x, idx({0, 1, 5, -1, -6}, {5})), {5}, tg::kFloat32, {1, 4, 6, 6, 1});
  check_tensor(tg::take(x, idx({2, 3}, {2, 1})), {2, 1}, tg::kFloat32, {2, 5});
  tg::Tensor w = make({0, 0.5, 1, 1.5, 2, 2.5}, {3, 2});
  check_tensor(tg::embedding(w, idx({2, 0, 2, 1}, {2, 2})), {2, 2, 2}, tg::kFloat32,
               {2, 2.5, 0, 0.5, 2, 2.5, 1, 1.5});
  check_tensor(tg::embedding(w, tg::scalar_tensor(1, tg::kInt64)), {2}, tg::kFloat32, {1, 1.5});
  check_tensor(tg::embedding(w.t().contiguous().t(), idx({1}, {1})), {1, 2}, tg::kFloat32, {1, 1.5});
  CHECK_THROWS_WITH_AS(tg::embedding(w, idx({3}, {1})),
                       doctest::Contains("index 3 is out of bounds for dimension 0 with size 3"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::take(x, idx({6}, {1})), doctest::Contains("take: index 6 is out of bounds"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::take(x, idx({-7}, {1})), doctest::Contains("take: index -1 is out of bounds"),
                       tg::Error);
}

TEST_CASE("indexing: masked_fill") {
  tg::Tensor x = make({1, 2, 3, 4}, {2, 2});
  tg::Tensor m = make({1, 0}, {2}, tg::kBool);
  check_tensor(tg::masked_fill(x, m, -1), {2, 2}, tg::kFloat32, {-1, 2, -1, 4});
  check_tensor(x.t().masked_fill(m.unsqueeze(1), 0.5), {2, 2}, tg::kFloat32, {0.5, 0.5, 2, 4});
  check_tensor(tg::masked_fill(x.to(tg::kInt64), m, 9), {2, 2}, tg::kInt64, {9, 2, 9, 4});
  CHECK_THROWS_WITH_AS(tg::masked_fill(x, m.to(tg::kInt64), 0),
                       doctest::Contains("masked_fill: mask must be a bool tensor, got int64"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::masked_fill(x, tg::zeros({3, 2, 2}, tg::kBool), 0),
                       doctest::Contains("masked_fill: mask of shape [3, 2, 2] cannot be broadcast"),
                       tg::Error);
}

TEST_CASE("indexing: cat and stack") {
  tg::Tensor a = make({1, 2, 3, 4}, {2, 2}), b = make({5, 6}, {1, 2});
  check_tensor(tg::cat({a, b}), {3, 2}, tg::kFloat32, {1, 2, 3, 4, 5, 6});
  check_tensor(tg::cat({a, b.t()}, 1), {2, 3}, tg::kFloat32, {1, 2, 5, 3, 4, 6});
  check_tensor(tg::cat({a.t(), a}, -1), {2, 4}, tg::kFloat32, {1, 3, 1, 2, 2, 4, 3, 4});
  check_tensor(tg::cat({a, tg::zeros({0, 2})}), {2, 2}, tg::kFloat32, {1, 2, 3, 4});
  check_tensor(tg::cat({b.to(tg::kInt64), b.to(tg::kFloat64)}), {2, 2}, tg::kFloat64, {5, 6, 5, 6});
  check_tensor(tg::cat({b.expand({2, 2})}), {2, 2}, tg::kFloat32, {5, 6, 5, 6});
  check_tensor(tg::stack({a, a * 2}), {2, 2, 2}, tg::kFloat32, {1, 2, 3, 4, 2, 4, 6, 8});
  check_tensor(tg::stack({a, a * 2}, 2), {2, 2, 2}, tg::kFloat32, {1, 2, 2, 4, 3, 6, 4, 8});
  check_tensor(tg::stack({a, a.t()}, -2), {2, 2, 2}, tg::kFloat32, {1, 2, 1, 3, 3, 4, 2, 4});
  check_tensor(tg::stack({tg::scalar_tensor(1), tg::scalar_tensor(2)}), {2}, tg::kFloat32, {1, 2});
  CHECK_THROWS_WITH_AS(tg::cat({a, make({1, 2, 3}, {1, 3})}),
                       doctest::Contains("cat: sizes must match except in dimension 0"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::cat({a, make({1, 2}, {2})}), doctest::Contains("cat: tensor 1 has 1 dimensions"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::cat({}), doctest::Contains("cat: expected a non-empty list"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::cat({tg::scalar_tensor(1)}), doctest::Contains("cat: zero-dimensional"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::stack({a, b}), doctest::Contains("stack: all tensors must have the same shape"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::cat({a, b}, 2), doctest::Contains("cat: dim 2 is out of range"), tg::Error);
}

TEST_CASE("indexing: split and chunk return views") {
  tg::Tensor x = tg::arange(0, 10, 1, tg::kFloat32).view({5, 2});
  auto parts = tg::split(x, 2);
  REQUIRE(parts.size() == 3);
  check_tensor(parts[2], {1, 2}, tg::kFloat32, {8, 9});
  CHECK(parts[1].shares_storage(x));
  auto cols = tg::split(x, 1, 1);
  REQUIRE(cols.size() == 2);
  check_values(cols[1], {1, 3, 5, 7, 9});
  auto sized = tg::split(x, std::vector<int64_t>{1, 0, 4});
  REQUIRE(sized.size() == 3);
  CHECK(sized[1].numel() == 0);
  check_values(sized[2].select(0, 0), {2, 3});
  auto ch = tg::chunk(x, 3);
  REQUIRE(ch.size() == 3);
  CHECK(ch[0].size(0) == 2);
  CHECK(ch[2].size(0) == 1);
  CHECK(tg::chunk(tg::zeros({6}), 4).size() == 3);  // chunk sizes ceil(6/4) = 2, like PyTorch
  CHECK(tg::chunk(tg::zeros({2}), 5).size() == 2);
  CHECK_THROWS_WITH_AS(tg::split(x, std::vector<int64_t>{1, 2}), doctest::Contains("split: sizes sum to 3"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::split(x, 0), doctest::Contains("split: split_size must be positive"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::chunk(x, 0), doctest::Contains("chunk: number of chunks must be positive"), tg::Error);
}

TEST_CASE("indexing: sort, argsort, topk with ties and NaN") {
  for (tg::DType dt : {tg::kFloat32, tg::kFloat64, tg::kInt64}) {
    for (auto& [name, x] : tgt::layouts(make({3, 1, 2, 1, 5, 5, 0, 5}, {2, 4}, dt))) {
      CAPTURE(dt);
      CAPTURE(name);
      auto [v, i] = tg::sort(x);
      check_tensor(v, {2, 4}, dt, {1, 1, 2, 3, 0, 5, 5, 5});
      check_tensor(i, {2, 4}, tg::kInt64, {1, 3, 2, 0, 2, 0, 1, 3});  // stable: ties keep order
      auto [vd, id] = tg::sort(x, 1, true);
      check_values(vd, {3, 2, 1, 1, 5, 5, 5, 0});
      check_values(id, {0, 2, 1, 3, 0, 1, 3, 2});
      auto [v0, i0] = tg::sort(x, 0);
      check_values(v0, {3, 1, 0, 1, 5, 5, 2, 5});
      check_values(i0, {0, 0, 1, 0, 1, 1, 0, 1});
      check_tensor(tg::argsort(x, -1, true), {2, 4}, tg::kInt64, {0, 2, 1, 3, 0, 1, 3, 2});
      auto [tv, ti] = tg::topk(x, 2);
      check_tensor(tv, {2, 2}, dt, {3, 2, 5, 5});
      check_tensor(ti, {2, 2}, tg::kInt64, {0, 2, 0, 1});
      auto [sv, si] = tg::topk(x, 3, 1, false);
      check_values(sv, {1, 1, 2, 0, 5, 5});
      check_values(si, {1, 3, 2, 2, 0, 1});
      auto [cv, ci] = tg::topk(x, 1, 0);
      check_tensor(cv, {1, 4}, dt, {5, 5, 2, 5});
      check_values(ci, {1, 1, 0, 1});
    }
  }
  tg::Tensor n = make({2, kNaN, -1, kNaN, 3}, {5}, tg::kFloat64);
  auto [v, i] = tg::sort(n);
  check_values(v, {-1, 2, 3, kNaN, kNaN});
  check_values(i, {2, 0, 4, 1, 3});
  auto [vd, id] = tg::sort(n, 0, true);
  check_values(vd, {kNaN, kNaN, 3, 2, -1});
  check_values(id, {1, 3, 4, 0, 2});
  auto [tv, ti] = tg::topk(n, 2);  // NaN counts as the largest, as in PyTorch
  check_values(tv, {kNaN, kNaN});
  check_values(ti, {1, 3});
  auto [bv, bi] = tg::topk(n, 2, 0, false);
  check_values(bv, {-1, 2});
  check_values(bi, {2, 0});
  CHECK(std::get<0>(tg::topk(n, 0)).sizes() == tg::DimVec{0});
  auto [bs, bsi] = tg::sort(make({1, 0, 1, 0}, {4}, tg::kBool));
  check_tensor(bs, {4}, tg::kBool, {0, 0, 1, 1});
  check_values(bsi, {1, 3, 0, 2});
  CHECK(std::get<0>(tg::sort(tg::scalar_tensor(4))).dim() == 0);
  CHECK_THROWS_WITH_AS(tg::topk(n, 6), doctest::Contains("topk: k (6) is larger than dimension 0 of size 5"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::topk(n, -1), doctest::Contains("topk: k must be non-negative"), tg::Error);
}

TEST_CASE("indexing: index errors name the op and the problem") {
  tg::Tensor x = tg::zeros({2, 3});
  CHECK_THROWS_WITH_AS(tg::index_select(x, 1, idx({3}, {1})),
                       "index_select: index 3 is out of bounds for dimension 1 with size 3", tg::Error);
  CHECK_THROWS_WITH_AS(tg::index_select(x, 0, idx({-1}, {1})),
                       "index_select: index -1 is out of bounds for dimension 0 with size 2", tg::Error);
  CHECK_THROWS_WITH_AS(tg::index_select(x, 0, make({0}, {1})),
                       "index_select: index tensor must be int64, got float32", tg::Error);
  CHECK_THROWS_WITH_AS(tg::index_select(x, 0, idx({0, 0}, {1, 2})),
                       doctest::Contains("index_select: index must be 0-D or 1-D"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::index_select(x, 2, idx({0}, {1})),
                       doctest::Contains("index_select: dim 2 is out of range"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::gather(x, 1, idx({0, 5}, {1, 2})),
                       "gather: index 5 is out of bounds for dimension 1 with size 3", tg::Error);
  CHECK_THROWS_WITH_AS(tg::gather(x, 1, idx({0}, {1})),
                       doctest::Contains("gather: index must have the same number of dimensions"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::gather(x, 1, idx({0, 0, 0, 0, 0, 0}, {3, 2})),
                       doctest::Contains("gather: index shape [3, 2] exceeds the input shape [2, 3]"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::gather(x, 0, make({0}, {1, 1}, tg::kBool)),
                       "gather: index tensor must be int64, got bool", tg::Error);
  CHECK_THROWS_WITH_AS(tg::scatter(x, 0, idx({2}, {1, 1}), x),
                       "scatter: index 2 is out of bounds for dimension 0 with size 2", tg::Error);
  // A 0-dim input acts as one element along dim (as in PyTorch): index 0 only.
  const tg::Tensor s = tg::full({}, 7.0);
  const tg::Tensor zero = tg::full({}, 0.0, tg::kInt64), one = tg::full({}, 1.0, tg::kInt64);
  check_tensor(tg::gather(s, 0, zero), {}, tg::kFloat32, {7});
  CHECK_THROWS_WITH_AS(tg::gather(s, 0, one),
                       "gather: index 1 is out of bounds for dimension 0 with size 1", tg::Error);
  CHECK_THROWS_WITH_AS(tg::scatter(s, 0, one, s),
                       "scatter: index 1 is out of bounds for dimension 0 with size 1", tg::Error);
  CHECK_THROWS_WITH_AS(tg::scatter_add(s, 0, one, s),
                       "scatter_add: index 1 is out of bounds for dimension 0 with size 1", tg::Error);
  CHECK_THROWS_WITH_AS(tg::scatter_add(x, 1, idx({0, 1}, {1, 2}), tg::zeros({1, 1})),
                       doctest::Contains("scatter_add: index shape [1, 2] exceeds the src shape [1, 1]"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::index_add(x, 0, idx({2}, {1}), tg::zeros({1, 3})),
                       "index_add: index 2 is out of bounds for dimension 0 with size 2", tg::Error);
  CHECK_THROWS_WITH_AS(tg::embedding(tg::zeros({3}), idx({0}, {1})),
                       doctest::Contains("embedding: weight must be 2-D"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::embedding(tg::zeros({3, 2}), make({0}, {1})),
                       "embedding: index tensor must be int64, got float32", tg::Error);
  CHECK_THROWS_WITH_AS(tg::take(x, make({0}, {1})), "take: index tensor must be int64, got float32", tg::Error);
}

namespace {
// gather / scatter / scatter_add computed element by element over index's coordinates, on
// contiguous float64 copies: the reference for the kernels' parallel loops below.
struct Ref {
  std::vector<int64_t> sizes;
  static std::vector<int64_t> strides_of(const tg::DimVec& s) {
    std::vector<int64_t> st(s.size(), 1);
    for (int d = static_cast<int>(s.size()) - 2; d >= 0; --d) st[d] = st[d + 1] * s[d + 1];
    return st;
  }
  // Calls f(linear offset in a tensor of shape `of`, for index coordinate c) for every c.
  template <class F>
  static void for_each(const tg::DimVec& shape, F f) {
    const int nd = static_cast<int>(shape.size());
    int64_t n = 1;
    for (int d = 0; d < nd; ++d) n *= shape[d];
    std::vector<int64_t> c(nd, 0);
    for (int64_t t = 0; t < n; ++t) {
      int64_t r = t;
      for (int d = nd - 1; d >= 0; --d) {
        c[d] = r % shape[d];
        r /= shape[d];
      }
      f(c);
    }
  }
  static int64_t offset(const std::vector<int64_t>& c, const tg::DimVec& shape) {
    const auto st = strides_of(shape);
    int64_t o = 0;
    for (size_t d = 0; d < c.size(); ++d) o += c[d] * st[d];
    return o;
  }
};

std::vector<double> values_of(const tg::Tensor& t) {
  tg::Tensor c = t.to(tg::kFloat64).contiguous();
  const double* p = static_cast<const double*>(c.data_ptr());
  return std::vector<double>(p, p + c.numel());
}
std::vector<int64_t> ids_of(const tg::Tensor& t) {
  tg::Tensor c = t.contiguous();
  const int64_t* p = static_cast<const int64_t*>(c.data_ptr());
  return std::vector<int64_t>(p, p + c.numel());
}
}  // namespace

TEST_CASE("indexing: gather, scatter and scatter_add on large strided 3-D tensors match an element loop, at 1 and 2 threads") {
  // Big enough for the parallel path (more than 32768 index elements), on every dim, with a
  // transposed input, a transposed index and a src larger than the index. Few distinct index
  // values, so scatter_add sums long runs into each slot: its bits must not depend on threads.
  tg::Generator gen(77);
  const int before = tg::get_num_threads();
  const tg::DimVec xs{40, 30, 50};
  for (int dim = 0; dim < 3; ++dim) {
    for (bool transposed : {false, true}) {
      CAPTURE(dim);
      CAPTURE(transposed);
      tg::Tensor x = transposed ? tg::randn({50, 30, 40}, &gen).permute({2, 1, 0})
                                : tg::randn(xs, &gen);
      tg::DimVec is{36, 28, 45};
      is[dim] = 60;  // the index may be longer than x on dim (gather) ...
      const int64_t range = std::min<int64_t>(xs[dim], 5);
      tg::Tensor index = transposed ? tg::randint(0, range, {is[2], is[1], is[0]}, &gen).permute({2, 1, 0})
                                    : tg::randint(0, range, is, &gen);
      tg::DimVec ss = is;
      for (auto& v : ss) v += 2;  // ... and src larger than the index (scatter)
      tg::Tensor src = tg::randn(ss, &gen);
      const auto xv = values_of(x), sv = values_of(src);
      const auto iv = ids_of(index);
      std::vector<double> g_ref(iv.size()), s_ref = xv, a_ref = xv;
      Ref::for_each(is, [&](const std::vector<int64_t>& c) {
        const int64_t io = Ref::offset(c, is);
        std::vector<int64_t> t = c;
        t[dim] = iv[io];
        const int64_t to = Ref::offset(t, xs), so = Ref::offset(c, ss);
        g_ref[io] = xv[to];
        s_ref[to] = static_cast<float>(sv[so]);
        a_ref[to] = static_cast<float>(a_ref[to] + static_cast<float>(sv[so]));
      });
      tg::Tensor results[2][3];
      for (int threads : {1, 2}) {
        tg::set_num_threads(threads);
        tg::Tensor* r = results[threads - 1];
        r[0] = tg::gather(x, dim, index);
        r[1] = tg::scatter(x, dim, index, src);
        r[2] = tg::scatter_add(x, dim, index, src);
      }
      tg::set_num_threads(before);
      CHECK(values_of(results[0][0]) == g_ref);
      CHECK(values_of(results[0][1]) == s_ref);
      // Float sums of up to 60 terms per slot, in index order (each step rounded to float, as
      // the kernel's float adds are): exactly equal.
      CHECK(values_of(results[0][2]) == a_ref);
      for (int k = 0; k < 3; ++k) CHECK(tg::equal(results[0][k], results[1][k]));
    }
  }
}

TEST_CASE("indexing: index_add on large tables matches an element loop, bitwise equal at 1 and 2 threads") {
  // dim 0 splits the destination rows between threads (and prefetches rows of tables past 2 MiB);
  // dim 1 splits column blocks. Both must add repeated indices in index order on any thread count.
  tg::Generator gen(78);
  const int before = tg::get_num_threads();
  struct Case {
    int64_t rows, cols, n;
    int dim;
  };
  for (const Case& c : {Case{20000, 32, 5000, 0}, Case{300, 70, 2000, 0}, Case{64, 3000, 900, 1}}) {
    CAPTURE(c.rows);
    CAPTURE(c.dim);
    tg::Tensor table = tg::randn({c.rows, c.cols}, &gen);
    const int64_t extent = c.dim == 0 ? c.rows : c.cols;
    // Few distinct values: long runs of repeated indices.
    tg::Tensor index = tg::randint(0, std::min<int64_t>(extent, 40), {c.n}, &gen) * (extent / 40 + 1);
    index = tg::minimum(index, tg::full({c.n}, static_cast<double>(extent - 1), tg::kInt64));
    tg::Tensor src = c.dim == 0 ? tg::randn({c.n, c.cols}, &gen) : tg::randn({c.rows, c.n}, &gen);
    std::vector<double> ref = values_of(table);
    const auto sv = values_of(src);
    const auto iv = ids_of(index);
    for (int64_t l = 0; l < c.n; ++l)
      for (int64_t k = 0; k < (c.dim == 0 ? c.cols : c.rows); ++k) {
        const int64_t to = c.dim == 0 ? iv[l] * c.cols + k : k * c.cols + iv[l];
        const int64_t so = c.dim == 0 ? l * c.cols + k : k * c.n + l;
        ref[to] = static_cast<float>(ref[to] + static_cast<float>(0.5f * static_cast<float>(sv[so])));
      }
    tg::Tensor out[2];
    for (int threads : {1, 2}) {
      tg::set_num_threads(threads);
      out[threads - 1] = tg::index_add(table, c.dim, index, src, 0.5);
    }
    tg::set_num_threads(before);
    CHECK(values_of(out[0]) == ref);
    CHECK(tg::equal(out[0], out[1]));
  }
}

TEST_CASE("indexing: topk with a small k matches a stable sort, with ties and NaN, both directions") {
  // Small k takes a one-pass heap, k close to n the sort: both must give the same total order
  // (NaN largest, ties by lower index first).
  tg::Generator gen(79);
  for (tg::DType dt : {tg::kFloat32, tg::kFloat64, tg::kInt64}) {
    // Values from a small range: many ties. Every 7th a NaN for the float types.
    tg::Tensor x = tg::randint(0, 9, {37, 300}, &gen).to(dt);
    if (dt != tg::kInt64) {
      tg::Tensor nan_mask = tg::eq(tg::randint(0, 7, {37, 300}, &gen), tg::scalar_tensor(0, tg::kInt64));
      x = tg::where(nan_mask, tg::full({}, std::numeric_limits<double>::quiet_NaN(), dt), x);
    }
    const auto xv = values_of(x);
    for (bool largest : {true, false}) {
      for (int64_t k : {1, 3, 10, 64, 256, 299, 300}) {
        CAPTURE(dt);
        CAPTURE(largest);
        CAPTURE(k);
        auto [v, i] = tg::topk(x, k, 1, largest);
        const auto got_v = values_of(v);
        const auto got_i = ids_of(i);
        bool same = true;
        for (int64_t r = 0; r < 37 && same; ++r) {
          std::vector<int64_t> order(300);
          std::iota(order.begin(), order.end(), int64_t{0});
          const double* row = xv.data() + r * 300;
          std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
            const bool na = std::isnan(row[a]), nb = std::isnan(row[b]);
            if (na || nb) return !na || !nb ? (largest ? na : nb) : false;
            return largest ? row[a] > row[b] : row[a] < row[b];
          });
          for (int64_t j = 0; j < k; ++j) {
            const double want = row[order[j]], have = got_v[r * k + j];
            same = same && got_i[r * k + j] == order[j] &&
                   (want == have || (std::isnan(want) && std::isnan(have)));
          }
        }
        CHECK(same);
      }
    }
  }
}
