// kernels/cpu/index.cpp — index_select, gather, scatter, index_add and row sorting on the CPU.
//
// gather/scatter run index_dim_loop: parallel over the positions off `dim`, each position's part
// of `dim` in order (so scatter's accumulation order does not depend on the thread count).
#include <algorithm>
#include <atomic>
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

namespace {

// The loop of gather and scatter: every element of `index`, with its slot in `dense` (a tensor
// of index's shape: gather's out, scatter's src, which may be larger) and the slot of `table`
// (gather's x, scatter's out) with the same coordinates except on `dim`, where the index value
// picks it. body(dense slot, index value, table slot at 0 on dim, table's stride on dim).
// Index values outside [0, bound) are skipped and make it return false (the ops' bounds check
// fused into this pass, which then reads the index once instead of three times: amin, amax, the
// loop).
//
// Parallel over the coordinates other than dim ("outer" positions), in chunks; each chunk runs
// its part of dim serially, in increasing order. Two outer positions never reach the same table
// slot, so scatter's writes cannot race, and each slot receives its values in increasing order
// on dim whatever the thread count: the same bits as a serial loop. Within a chunk, dim is the
// inner loop when it is index's innermost dimension, else the outer one, so the memory walk
// follows the layout.
template <class T, class U, class Body>
bool index_dim_loop(const Tensor& index, int dim, uint64_t bound, T* dense,
                    const DimVec& dense_st, U* table, const DimVec& table_st, Body body) {
  const int nd = index.dim();
  const int64_t* ip = static_cast<const int64_t*>(index.data_ptr());
  if (nd == 0) {  // one element (a 0-dim table: the only valid index is 0)
    if (static_cast<uint64_t>(*ip) >= bound) return false;
    body(dense, *ip, table, int64_t{0});
    return true;
  }
  const DimVec& sz = index.sizes();
  const DimVec& is = index.strides();
  int od[kMaxDims];  // the outer dims, in order
  int no = 0;
  int64_t outer = 1;
  for (int d = 0; d < nd; ++d)
    if (d != dim) {
      od[no++] = d;
      outer *= sz[d];
    }
  const int64_t L = sz[dim], il = is[dim], dl = dense_st[dim], tl = table_st[dim];
  if (outer == 0 || L == 0) return true;
  // The innermost outer dim runs with fixed steps; the others are recomputed once per run.
  const int last = no > 0 ? od[no - 1] : -1;
  const int64_t run_len = no > 0 ? sz[last] : 1;
  const int64_t is1 = no > 0 ? is[last] : 0, ds1 = no > 0 ? dense_st[last] : 0,
                ts1 = no > 0 ? table_st[last] : 0;
  const bool dim_inner = no == 0 || std::abs(il) <= std::abs(is1);
  // Offsets of outer position o (row-major over the outer dims); c1: its coordinate on `last`.
  auto locate = [&](int64_t o, int64_t& io, int64_t& doff, int64_t& toff, int64_t& c1) {
    io = doff = toff = 0;
    c1 = 0;
    for (int q = no - 1; q >= 0; --q) {
      const int d = od[q];
      const int64_t c = o % sz[d];
      o /= sz[d];
      if (q == no - 1) c1 = c;
      io += c * is[d];
      doff += c * dense_st[d];
      toff += c * table_st[d];
    }
  };
  const int64_t grain = std::max<int64_t>(1, kGrain / L);
  std::atomic<bool> bad{false};
  // One slot: the value is checked (a branch that is never taken for valid input) first.
  auto visit = [&](T* d, int64_t v, U* t, bool& chunk_bad) {
    if (static_cast<uint64_t>(v) >= bound) chunk_bad = true;
    else body(d, v, t, tl);
  };
  parallel_for(outer, grain, [&](int64_t o0, int64_t o1) {
    bool chunk_bad = false;
    // One run: n consecutive outer positions along `last`, from offsets (io, doff, toff).
    auto for_runs = [&](auto&& run) {
      for (int64_t o = o0; o < o1;) {
        int64_t io, doff, toff, c1;
        locate(o, io, doff, toff, c1);
        const int64_t n = std::min(o1 - o, run_len - c1);
        run(io, doff, toff, n);
        o += n;
      }
    };
    if (dim_inner) {
      for_runs([&](int64_t io, int64_t doff, int64_t toff, int64_t n) {
        for (int64_t r = 0; r < n; ++r) {
          const int64_t* ir = ip + io + r * is1;
          T* dr = dense + doff + r * ds1;
          U* tr = table + toff + r * ts1;
          for (int64_t l = 0; l < L; ++l) visit(dr + l * dl, ir[l * il], tr, chunk_bad);
        }
      });
    } else {
      for (int64_t l = 0; l < L; ++l)
        for_runs([&](int64_t io, int64_t doff, int64_t toff, int64_t n) {
          const int64_t* ir = ip + io + l * il;
          T* dr = dense + doff + l * dl;
          for (int64_t r = 0; r < n; ++r)
            visit(dr + r * ds1, ir[r * is1], table + toff + r * ts1, chunk_bad);
        });
    }
    if (chunk_bad) bad.store(true, std::memory_order_relaxed);
  });
  return !bad.load(std::memory_order_relaxed);
}

}  // namespace

bool gather(const Tensor& x, int dim, const Tensor& index, const Tensor& out, uint64_t bound) {
  bool ok = true;
  dispatch(x.dtype(), "gather", [&]<class T>() {
    ok = index_dim_loop(index, dim, bound, static_cast<T*>(out.data_ptr()), out.strides(),
                        static_cast<const T*>(x.data_ptr()), x.strides(),
                        [](T* o, int64_t idx, const T* t, int64_t ts) { *o = t[idx * ts]; });
  });
  return ok;
}

bool scatter(const Tensor& out, int dim, const Tensor& index, const Tensor& src, bool accumulate,
             uint64_t bound) {
  bool ok = true;
  dispatch(out.dtype(), "scatter", [&]<class T>() {
    T* op = static_cast<T*>(out.data_ptr());
    T* sp = static_cast<T*>(src.data_ptr());  // only read: the loop's "dense" side
    if (accumulate)
      ok = index_dim_loop(index, dim, bound, sp, src.strides(), op, out.strides(),
                          [](T* s, int64_t idx, T* t, int64_t ts) {
                            if constexpr (std::is_same_v<T, bool>) t[idx * ts] = t[idx * ts] || *s;
                            else t[idx * ts] += *s;
                          });
    else
      ok = index_dim_loop(index, dim, bound, sp, src.strides(), op, out.strides(),
                          [](T* s, int64_t idx, T* t, int64_t ts) { t[idx * ts] = *s; });
  });
  return ok;
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
    if (A == 1) {
      // Parallel over ranges of destination rows: every thread scans the whole index and adds
      // the rows that land in its range, whole rows, in index order, so repeated indices
      // accumulate in the same order for any thread count (the same bits as one thread). Rows
      // of a large table are random misses: the destination row `kAhead` entries on is
      // prefetched (65536 rows into a [100000, 64] table: one pass instead of the column
      // blocks below, which walked the index once per 16 columns).
      constexpr int64_t kAhead = 8;
      const bool far = static_cast<size_t>(R * B) * sizeof(T) > (size_t{1} << 21);
      const int64_t parts = L * B >= kGrain ? max_threads() : 1;
      parallel_for(parts, 1, [&](int64_t p0, int64_t p1) {
        for (int64_t part = p0; part < p1; ++part) {
          const int64_t lo = part * R / parts, hi = (part + 1) * R / parts;
          for (int64_t l = 0; l < L; ++l) {
            if (far && l + kAhead < L) {
              const int64_t ahead = ip[l + kAhead];
              if (ahead >= lo && ahead < hi) {
                const char* row = reinterpret_cast<const char*>(op + ahead * B);
                for (size_t k = 0; k < static_cast<size_t>(B) * sizeof(T); k += 64)
                  __builtin_prefetch(row + k, 1);
              }
            }
            const int64_t r = ip[l];
            if (r < lo || r >= hi) continue;
            T* dst = op + r * B;
            const T* s = sp + l * B;
            for (int64_t c = 0; c < B; ++c) {
              if constexpr (std::is_same_v<T, bool>) dst[c] = dst[c] || s[c];
              else dst[c] += al * s[c];
            }
          }
        }
      });
      return;
    }
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

// One pass over a contiguous index (the ops' bounds check; amin then amax read it twice): chunks
// in parallel, each with four independent min/max pairs so the compares overlap.
bool index_minmax(const Tensor& index, int64_t& mn, int64_t& mx) {
  if (!index.is_contiguous() || index.numel() == 0) return false;
  const int64_t* p = static_cast<const int64_t*>(index.data_ptr());
  const int64_t n = index.numel();
  const int64_t chunks = std::clamp<int64_t>(n / (4 * kGrain), 1, max_threads());
  std::vector<int64_t> lo(static_cast<size_t>(chunks)), hi(static_cast<size_t>(chunks));
  parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t b = c * n / chunks, e = (c + 1) * n / chunks;
      int64_t l[4] = {p[b], p[b], p[b], p[b]}, h[4] = {p[b], p[b], p[b], p[b]};
      int64_t i = b;
      for (; i + 4 <= e; i += 4)
        for (int q = 0; q < 4; ++q) {
          l[q] = std::min(l[q], p[i + q]);
          h[q] = std::max(h[q], p[i + q]);
        }
      for (; i < e; ++i) {
        l[0] = std::min(l[0], p[i]);
        h[0] = std::max(h[0], p[i]);
      }
      lo[static_cast<size_t>(c)] = std::min(std::min(l[0], l[1]), std::min(l[2], l[3]));
      hi[static_cast<size_t>(c)] = std::max(std::max(h[0], h[1]), std::max(h[2], h[3]));
    }
  });
  mn = *std::min_element(lo.begin(), lo.end());
  mx = *std::max_element(hi.begin(), hi.end());
  return true;
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
    // Total order: NaN is the largest value; ties by index (so the result is deterministic).
    // before(a, i, c, j): element (a, i) comes before (c, j) in the output.
    auto before = [descending](T a, int64_t i, T c, int64_t j) {
      if constexpr (std::is_floating_point_v<T>) {
        const bool ni = std::isnan(a), nj = std::isnan(c);
        if (ni || nj) return ni && nj ? i < j : (descending ? ni : nj);
      }
      if (a != c) return descending ? a > c : a < c;
      return i < j;
    };
    parallel_for(rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(n, 1)), [&](int64_t b, int64_t e) {
      // A small k (topk over the items of a recommender): one pass keeping the k first elements
      // in a heap whose top is the last of them; most elements fail the single compare with
      // that top. O(n) for typical rows where partial_sort's index permutation cost O(n log k)
      // with an indirect compare (1024 rows of 1682, k = 10: ~0.85x PyTorch before).
      if (k <= 256 && k < n) {
        struct Entry {
          T v;
          int64_t i;
        };
        auto heap_cmp = [&](const Entry& x, const Entry& y) { return before(x.v, x.i, y.v, y.i); };
        std::vector<Entry> heap(static_cast<size_t>(k));
        // Up to 16 kept: a sorted array, where an insertion shifts a few entries (cheaper than
        // a heap's pop and push, whose compares are hard to predict); more: a heap.
        const bool small = k <= 16;
        // The scan, per direction: cand(x) is one compare with the heap's top (the last kept),
        // true for every element that may come before it (and for a few that do not: NaN, which
        // the exact test sorts out). Four elements share one branch.
        auto scan = [&]<bool kDesc>(const T* row) {
          Entry last = small ? heap.back() : heap.front();
          bool last_nan = false;
          if constexpr (std::is_floating_point_v<T>) last_nan = std::isnan(last.v);
          auto cand = [&](T x) {
            if constexpr (kDesc) {
              if constexpr (std::is_floating_point_v<T>) return !(x <= last.v);
              else return x > last.v;
            } else {
              return x < last.v || last_nan;
            }
          };
          // Descending with a NaN last kept: nothing later comes before it (NaN ties go by index).
          auto done = [&] { return kDesc && last_nan; };
          auto take = [&](int64_t j) {
            if (!before(row[j], j, last.v, last.i)) return;
            if (small) {  // sorted array, best first: shift the worse ones down by one
              size_t pos = heap.size() - 1;
              for (; pos > 0 && before(row[j], j, heap[pos - 1].v, heap[pos - 1].i); --pos)
                heap[pos] = heap[pos - 1];
              heap[pos] = {row[j], j};
              last = heap.back();
            } else {
              std::pop_heap(heap.begin(), heap.end(), heap_cmp);
              heap.back() = {row[j], j};
              std::push_heap(heap.begin(), heap.end(), heap_cmp);
              last = heap.front();
            }
            if constexpr (std::is_floating_point_v<T>) last_nan = std::isnan(last.v);
          };
          int64_t j = k;
          for (; j + 4 <= n && !done(); j += 4) {
            if (!(cand(row[j]) | cand(row[j + 1]) | cand(row[j + 2]) | cand(row[j + 3]))) continue;
            for (int q = 0; q < 4; ++q) take(j + q);
          }
          for (; j < n && !done(); ++j) take(j);
        };
        for (int64_t r = b; r < e; ++r) {
          const T* row = xp + r * n;
          for (int64_t j = 0; j < k; ++j) heap[static_cast<size_t>(j)] = {row[j], j};
          if (small) std::sort(heap.begin(), heap.end(), heap_cmp);
          else std::make_heap(heap.begin(), heap.end(), heap_cmp);
          if (descending) scan.template operator()<true>(row);
          else scan.template operator()<false>(row);
          if (!small) std::sort_heap(heap.begin(), heap.end(), heap_cmp);
          for (int64_t j = 0; j < k; ++j) {
            vp[r * k + j] = heap[static_cast<size_t>(j)].v;
            ip[r * k + j] = heap[static_cast<size_t>(j)].i;
          }
        }
        return;
      }
      std::vector<int64_t> order(static_cast<size_t>(n));
      for (int64_t r = b; r < e; ++r) {
        const T* row = xp + r * n;
        std::iota(order.begin(), order.end(), int64_t{0});
        auto cmp = [&](int64_t i, int64_t j) { return before(row[i], i, row[j], j); };
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
