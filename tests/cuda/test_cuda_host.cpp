// tests/cuda/test_cuda_host.cpp — the CUDA backend's host-side arithmetic (kernels/cuda/
// launch_math.h), checked without a GPU (test suite "cuda-host": main.cpp runs it everywhere).
// The cuBLAS mapping is checked by replaying cuBLAS's documented column-major GEMM on the host
// with the arguments gemm.cu passes, for row-major, transposed, padded, sliced and expanded
// operands, against a plain row-major product.
#include <cstdint>
#include <limits>
#include <vector>

#include <doctest/doctest.h>

#include "../../kernels/cuda/launch_math.h"

namespace lm = tg::kernels::cuda;

namespace {

// A strided row-major matrix view into `data`: element (i, j) at data[off + i * rs + j * cs].
struct View {
  int64_t rows, cols, rs, cs, off;
  double at(const std::vector<double>& data, int64_t i, int64_t j) const {
    return data[static_cast<size_t>(off + i * rs + j * cs)];
  }
};

// cuBLAS's definition (column-major): C[m x n] = op(A)[m x k] * op(B)[k x n], X(r, c) stored at
// X[r + c * ld]; op T reads the stored matrix transposed. Checks the documented ld requirements.
void cublas_gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const double* a,
                 int64_t lda, const double* b, int64_t ldb, double* c, int64_t ldc) {
  REQUIRE(lda >= std::max<int64_t>(1, trans_a ? k : m));
  REQUIRE(ldb >= std::max<int64_t>(1, trans_b ? n : k));
  REQUIRE(ldc >= std::max<int64_t>(1, m));
  for (int64_t j = 0; j < n; ++j)
    for (int64_t i = 0; i < m; ++i) {
      double acc = 0;
      for (int64_t q = 0; q < k; ++q) {
        const double av = trans_a ? a[q + i * lda] : a[i + q * lda];
        const double bv = trans_b ? b[j + q * ldb] : b[q + j * ldb];
        acc += av * bv;
      }
      c[i + j * ldc] = acc;
    }
}

// gemm.cu's path for out[N, M] = a[N, K] @ w[K, M]: each operand through gemm_operand (kCopy
// makes it contiguous), then cuBLAS with (w, a) swapped: m = M, n = N, ldc = M.
std::vector<double> gemm_like_gemm_cu(const std::vector<double>& data, View a, View w) {
  const int64_t N = a.rows, K = a.cols, M = w.cols;
  auto prepare = [&](View v, std::vector<double>& storage, bool& trans,
                     int64_t& ld) -> const double* {
    const lm::GemmOperand g = lm::gemm_operand(v.rows, v.cols, v.rs, v.cs);
    ld = g.ld;
    trans = g.kind == lm::GemmOperand::kColMajor;
    if (g.kind == lm::GemmOperand::kCopy) {
      storage.assign(static_cast<size_t>(v.rows * v.cols), 0.0);
      for (int64_t i = 0; i < v.rows; ++i)
        for (int64_t j = 0; j < v.cols; ++j)
          storage[static_cast<size_t>(i * v.cols + j)] = v.at(data, i, j);
      CHECK(ld == std::max<int64_t>(v.cols, 1));
      return storage.data();
    }
    return data.data() + v.off;
  };
  std::vector<double> sa, sw, out(static_cast<size_t>(N * M), -1.0);
  bool ta = false, tw = false;
  int64_t lda = 0, ldw = 0;
  const double* pa = prepare(a, sa, ta, lda);
  const double* pw = prepare(w, sw, tw, ldw);
  cublas_gemm(tw, ta, M, N, K, pw, ldw, pa, lda, out.data(), M);
  return out;
}

}  // namespace

TEST_SUITE("cuda-host") {
  TEST_CASE("blocks_for: at least one block, at most 65,536, no overflow") {
    CHECK(lm::blocks_for(0) == 1);
    CHECK(lm::blocks_for(1) == 1);
    CHECK(lm::blocks_for(256) == 1);
    CHECK(lm::blocks_for(257) == 2);
    CHECK(lm::blocks_for(int64_t{256} * 65536) == 65536);
    CHECK(lm::blocks_for(int64_t{1} << 40) == 65536);
    CHECK(lm::blocks_for(std::numeric_limits<int64_t>::max()) == 65536);
    CHECK(lm::blocks_for(70000, 1) == 65536);  // one block per row
    CHECK(lm::blocks_for(300, 1) == 300);
  }

  TEST_CASE("row_chunks: long rows split only when rows are few; pieces cover each row") {
    CHECK(lm::row_chunks(1, 1) == 1);
    CHECK(lm::row_chunks(1, 2 * lm::kRowChunk) == 1);
    CHECK(lm::row_chunks(1, 2 * lm::kRowChunk + 1) == 3);
    CHECK(lm::row_chunks(256, int64_t{1} << 30) == 1);  // enough rows for a block each
    const int64_t big = (int64_t{1} << 31) + 1024;
    CHECK(lm::row_chunks(1, big) == big / lm::kRowChunk + 1);
    for (int64_t R : {int64_t{65537}, int64_t{200000}, int64_t{3} << 20, big}) {
      const int64_t c = lm::row_chunks(3, R);
      CAPTURE(R);
      CHECK((c - 1) * lm::kRowChunk < R);  // no empty piece
      CHECK(c * lm::kRowChunk >= R);       // the pieces cover the row
    }
  }

  TEST_CASE("size_class: covers the request, wastes at most 25%, classes are stable") {
    CHECK(lm::size_class(0) == 512);
    CHECK(lm::size_class(1) == 512);
    CHECK(lm::size_class(512) == 512);
    CHECK(lm::size_class(513) == 1024);
    CHECK(lm::size_class(size_t{1} << 20) == size_t{1} << 20);
    CHECK(lm::size_class((size_t{1} << 20) + 1) == (size_t{1} << 20) + (size_t{1} << 18));
    CHECK(lm::size_class(size_t{3} << 20) == size_t{3} << 20);
    CHECK(lm::size_class(size_t{1} << 42) == size_t{1} << 42);  // 4 TiB: no overflow
    size_t prev = 0;
    for (size_t n = 1; n < (size_t{1} << 26); n = n * 5 / 4 + 7) {
      const size_t c = lm::size_class(n);
      CAPTURE(n);
      CHECK(c >= n);
      CHECK(c >= prev);                         // monotonic
      CHECK(lm::size_class(c) == c);            // a class maps to itself
      if (n > 4096) CHECK(c - n <= n / 4 + 1);  // at most 25% waste past the small sizes
      prev = c;
    }
  }

  TEST_CASE("gemm_operand: row-major, transposed, padded, sliced and expanded operands") {
    using K = lm::GemmOperand;
    auto kind = [](int64_t r, int64_t c, int64_t rs, int64_t cs) {
      return lm::gemm_operand(r, c, rs, cs).kind;
    };
    CHECK(kind(3, 4, 4, 1) == K::kRowMajor);
    CHECK(lm::gemm_operand(3, 4, 4, 1).ld == 4);
    CHECK(kind(3, 4, 1, 3) == K::kColMajor);  // the transpose of a contiguous [4, 3]
    CHECK(lm::gemm_operand(3, 4, 1, 3).ld == 3);
    CHECK(lm::gemm_operand(3, 4, 9, 1).ld == 9);    // rows of a wider matrix
    CHECK(lm::gemm_operand(3, 4, 1, 10).ld == 10);  // transposed, padded
    CHECK(kind(3, 4, 8, 2) == K::kCopy);            // every other column
    CHECK(kind(3, 4, 0, 1) == K::kCopy);            // expanded rows overlap
    CHECK(kind(2, 2, 1, 1) == K::kCopy);            // overlapping both ways
    CHECK(lm::gemm_operand(1, 5, 77, 1).ld == 5);   // one row: its stride is irrelevant
    CHECK(lm::gemm_operand(5, 1, 1, 77).ld == 5);   // one column
    CHECK(lm::gemm_operand(5, 1, 1, 77).kind == K::kColMajor);
  }

  TEST_CASE("gemm_operand + the (w, a) swap give the row-major product under cuBLAS's rules") {
    // One buffer, many views of it: A [N, K] and W [K, M] in every layout.
    const int64_t N = 3, K = 4, M = 5;
    std::vector<double> data(400);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<double>((i * 37) % 23) - 11.0;
    auto layouts = [](int64_t r, int64_t c, int64_t off) {
      return std::vector<View>{
          {r, c, c, 1, off},      // contiguous
          {r, c, 1, r, off},      // transposed view
          {r, c, c + 3, 1, off},  // padded rows
          {r, c, 1, r + 2, off},  // transposed, padded
          {r, c, 2 * c, 2, off},  // every other column: copied
          {r, c, 0, 1, off},      // expanded rows: copied
      };
    };
    int cases = 0;
    for (const View& a : layouts(N, K, 0))
      for (const View& w : layouts(K, M, 150)) {
        const std::vector<double> got = gemm_like_gemm_cu(data, a, w);
        for (int64_t i = 0; i < N; ++i)
          for (int64_t j = 0; j < M; ++j) {
            double want = 0;
            for (int64_t q = 0; q < K; ++q) want += a.at(data, i, q) * w.at(data, q, j);
            CAPTURE(a.rs);
            CAPTURE(a.cs);
            CAPTURE(w.rs);
            CAPTURE(w.cs);
            // out is row-major [N, M]: out[i * M + j] is cuBLAS's C(j, i) with ldc = M.
            CHECK(got[static_cast<size_t>(i * M + j)] == want);
          }
        ++cases;
      }
    CHECK(cases == 36);
    // Vectors: a single row (matmul of [K] @ [K, M]) and a single column.
    const std::vector<double> row = gemm_like_gemm_cu(data, {1, K, 999, 1, 7}, {K, 1, 1, 999, 60});
    double want = 0;
    for (int64_t q = 0; q < K; ++q)
      want += data[static_cast<size_t>(7 + q)] * data[static_cast<size_t>(60 + q)];
    CHECK(row.size() == 1);
    CHECK(row[0] == want);
  }
}
