// kernels/cpu/index.cpp — index_select, gather, scatter, index_add and row sorting on the CPU.
//
// gather/scatter reuse the strided loop: x is re-viewed with index's shape and a zero stride on
// `dim`, so the loop yields, for each index element, the address of x's slot at index 0 on `dim`;
// the kernel then adds index * stride(dim).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

#include "cpu_kernels.h"
#include "loops.h"

namespace tg::kernels::cpu {

namespace {

// Rows of at least this many bytes get software prefetches (see copy_rows).
constexpr size_t kPrefetchMinRowBytes = 64;
// How far ahead of the copy the prefetches run, in bytes of rows (16 rows of 256 bytes). Measured
// on a [100000, 64] float32 table, 65536 random rows: 8 rows ahead reach ~90% of the gain; 32
// rows ahead ran 4-8% slower than 16 (1 and 2 threads).
constexpr size_t kPrefetchAheadBytes = 4096;

// out[t] = x[ids[t]] for n rows of row_bytes (= kBytes when kBytes != 0).
//
// Random rows of a large table come from L3 or DRAM. Without prefetches the copy is bound by how
// many row loads the out-of-order window keeps in flight: a 256-byte row is 16 SSE2 load/store
// pairs (the baseline ISA), so only a few rows overlap, and 65536 rows of a [100000, 64] table ran
// at ~0.65x the bandwidth reached with prefetches. Prefetching the row `ahead` positions on
// decouples those misses from the copy. Small rows (one line, few instructions) already overlap
// enough and there the prefetch is overhead; the libc memcpy of other sizes uses wide vectors and
// gained at most 5% from it; both copy without.
//
// The pointers come in by value: captured by reference in the row loop, they were reloaded after
// every row (the memcpy stores are char stores, which may alias them): ~3x slower on rows of 4
// to 32 bytes.
template <size_t kBytes>
void copy_rows(const char* x, const int64_t* ids, char* out, int64_t n, size_t row_bytes) {
  const size_t rb = kBytes ? kBytes : row_bytes;
  int64_t t = 0;
  if constexpr (kBytes >= kPrefetchMinRowBytes) {
    constexpr int64_t ahead = static_cast<int64_t>(kPrefetchAheadBytes / kBytes);
    auto prefetch_row = [&](int64_t j) {
      const char* row = x + static_cast<size_t>(ids[j]) * kBytes;
      for (size_t k = 0; k < kBytes; k += 64) __builtin_prefetch(row + k);
    };
    for (int64_t j = 0; j < std::min(ahead, n); ++j) prefetch_row(j);
    for (; t + ahead < n; ++t) {
      prefetch_row(t + ahead);
      std::memcpy(out + static_cast<size_t>(t) * kBytes, x + static_cast<size_t>(ids[t]) * kBytes,
                  kBytes);
    }
  }
  for (; t < n; ++t)
    std::memcpy(out + static_cast<size_t>(t) * rb, x + static_cast<size_t>(ids[t]) * rb,
                kBytes ? kBytes : rb);
}

}  // namespace

void index_select(const Tensor& x_in, int dim, const Tensor& index_in, const Tensor& out) {
  Tensor x = x_in.contiguous(), index = index_in.contiguous();
  int64_t A, R, B;
  split_around(x.sizes(), dim, A, R, B);
  const int64_t L = index.numel();
  const int64_t* ip = static_cast<const int64_t*>(index.data_ptr());
  const size_t row_bytes = static_cast<size_t>(B) * x.itemsize();
  const char* xp = static_cast<const char*>(x.data_ptr());
  char* op = static_cast<char*>(out.data_ptr());
  TG_INTERNAL_ASSERT(out.is_contiguous());
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(B, 1));
  // Output row t = a * L + l copies x row a * R + ip[l]; a chunk [b0, e0) is cut at multiples of
  // L into runs of one a. Rows of a fixed small size (an embedding_bag's [n, 1] wide weights, 8-
  // to 64-float embeddings) are copied with an inlined fixed-size memcpy, not a libc call per row.
  auto rows = [&]<size_t kBytes>() {
    parallel_for(A * L, grain, [&](int64_t b0, int64_t e0) {
      for (int64_t t = b0; t < e0;) {
        const int64_t a = t / L, l = t % L, n = std::min(e0 - t, L - l);
        copy_rows<kBytes>(xp + static_cast<size_t>(a * R) * row_bytes, ip + l,
                          op + static_cast<size_t>(t) * row_bytes, n, row_bytes);
        t += n;
      }
    });
  };
  switch (row_bytes) {
    case 4: rows.template operator()<4>(); break;
    case 8: rows.template operator()<8>(); break;
    case 16: rows.template operator()<16>(); break;
    case 32: rows.template operator()<32>(); break;
    case 64: rows.template operator()<64>(); break;
    case 128: rows.template operator()<128>(); break;
    case 256: rows.template operator()<256>(); break;
    default: rows.template operator()<0>(); break;
  }
}

void gather(const Tensor& x, int dim, const Tensor& index, const Tensor& out) {
  DimVec st = x.strides();
  st[dim] = 0;
  Tensor xv = restride(x, index.sizes(), st);
  const int64_t step = x.stride(dim) * static_cast<int64_t>(x.itemsize());
  dispatch(x.dtype(), "gather", [&]<class T>() {
    StridedLoop<3> loop({&out, &index, &xv});
    const int64_t so = loop.inner_stride(0), si = loop.inner_stride(1), sx = loop.inner_stride(2);
    loop.run([&](const std::array<char*, 3>& p, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        int64_t idx = *reinterpret_cast<const int64_t*>(p[1] + i * si);
        *reinterpret_cast<T*>(p[0] + i * so) =
            *reinterpret_cast<const T*>(p[2] + i * sx + idx * step);
      }
    });
  });
}

void scatter(const Tensor& out, int dim, const Tensor& index, const Tensor& src, bool accumulate) {
  DimVec st = out.strides();
  st[dim] = 0;
  Tensor ov = restride(out, index.sizes(), st);
  Tensor sv = restride(src, index.sizes(), src.strides());  // src may be larger than index
  const int64_t step = out.stride(dim) * static_cast<int64_t>(out.itemsize());
  dispatch(out.dtype(), "scatter", [&]<class T>() {
    StridedLoop<3> loop({&ov, &index, &sv});
    const int64_t so = loop.inner_stride(0), si = loop.inner_stride(1), ss = loop.inner_stride(2);
    // Serial: repeated indices must accumulate without races and overwrite in a fixed order.
    loop.run(
        [&](const std::array<char*, 3>& p, int64_t n) {
          for (int64_t i = 0; i < n; ++i) {
            int64_t idx = *reinterpret_cast<const int64_t*>(p[1] + i * si);
            T* dst = reinterpret_cast<T*>(p[0] + i * so + idx * step);
            T v = *reinterpret_cast<const T*>(p[2] + i * ss);
            if (accumulate) {
              if constexpr (std::is_same_v<T, bool>) *dst = *dst || v;
              else *dst += v;
            } else {
              *dst = v;
            }
          }
        },
        /*parallel=*/false);
  });
}

void index_add(const Tensor& out, int dim, const Tensor& index_in, const Tensor& src_in,
               double alpha) {
  Tensor src = src_in.contiguous(), index = index_in.contiguous();
  TG_INTERNAL_ASSERT(out.is_contiguous());
  int64_t A, R, B;
  split_around(out.sizes(), dim, A, R, B);
  const int64_t L = index.numel();
  const int64_t* ip = static_cast<const int64_t*>(index.data_ptr());
  dispatch(out.dtype(), "index_add", [&]<class T>() {
    T* op = static_cast<T*>(out.data_ptr());
    const T* sp = static_cast<const T*>(src.data_ptr());
    const T al = static_cast<T>(alpha);
    // Parallel over (a, column block); rows l stay serial so repeated indices accumulate in order.
    int64_t cb = std::max<int64_t>(16, kGrain / std::max<int64_t>(L, 1));
    int64_t nblk = (B + cb - 1) / cb;
    parallel_for(A * nblk, 1, [&](int64_t b0, int64_t e0) {
      for (int64_t t = b0; t < e0; ++t) {
        int64_t a = t / nblk, c0 = (t % nblk) * cb, c1 = std::min(B, c0 + cb);
        for (int64_t l = 0; l < L; ++l) {
          T* dst = op + (a * R + ip[l]) * B;
          const T* s = sp + (a * L + l) * B;
          for (int64_t c = c0; c < c1; ++c) {
            if constexpr (std::is_same_v<T, bool>) dst[c] = dst[c] || s[c];
            else dst[c] += al * s[c];
          }
        }
      }
    });
  });
}

void sort_rows(const Tensor& x, bool descending, int64_t k, const Tensor& values,
               const Tensor& indices) {
  TG_INTERNAL_ASSERT(x.is_contiguous() && values.is_contiguous() && indices.is_contiguous());
  const int64_t n = x.dim() ? x.size(-1) : 1;
  const int64_t rows = n ? x.numel() / n : 0;
  dispatch(x.dtype(), "sort", [&]<class T>() {
    const T* xp = static_cast<const T*>(x.data_ptr());
    T* vp = static_cast<T*>(values.data_ptr());
    int64_t* ip = static_cast<int64_t*>(indices.data_ptr());
    parallel_for(rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(n, 1)), [&](int64_t b, int64_t e) {
      std::vector<int64_t> order(static_cast<size_t>(n));
      for (int64_t r = b; r < e; ++r) {
        const T* row = xp + r * n;
        std::iota(order.begin(), order.end(), int64_t{0});
        // Total order: NaN is the largest value; ties by index (so partial_sort is deterministic).
        auto cmp = [&](int64_t i, int64_t j) {
          const T a = row[i], c = row[j];
          if constexpr (std::is_floating_point_v<T>) {
            const bool ni = std::isnan(a), nj = std::isnan(c);
            if (ni || nj) return ni && nj ? i < j : (descending ? ni : nj);
          }
          if (a != c) return descending ? a > c : a < c;
          return i < j;
        };
        if (k < n) std::partial_sort(order.begin(), order.begin() + k, order.end(), cmp);
        else std::sort(order.begin(), order.end(), cmp);
        for (int64_t j = 0; j < k; ++j) {
          vp[r * k + j] = row[order[j]];
          ip[r * k + j] = order[j];
        }
      }
    });
  });
}

}  // namespace tg::kernels::cpu
