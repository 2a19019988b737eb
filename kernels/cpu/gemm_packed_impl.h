// kernels/cpu/gemm_packed_impl.h — the ISA-independent pieces of tapegrad's packed GEMM: the
// micro-kernel, packing, block loops, thin products and make_packed (gemm_packed.h explains the
// loops). Included only by the ISA files gemm_packed_avx512.cpp and gemm_packed_avx2.cpp, each
// compiled with its own -m flags, after they define Vec<float> and Vec<double> for their vector
// width:
//
//   R, Mask, kLanes; zero, load (aligned), loadu, set1, fmadd, mul, add, storeu,
//   mask(n) (the first n lanes), maskz_loadu (masked-off lanes read as 0, never touched),
//   mask_storeu, and sum_each (lane r = the sum of v[r]'s lanes by one fixed tree for every r).
//
// Everything here is in an anonymous namespace, so each ISA file gets its own copy and no
// AVX-512 instance of a template can stand in for the AVX2 one (or for code running on older
// CPUs) at link time.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "gemm_packed.h"

namespace tg::kernels::cpu {
namespace {

inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }

// The register tile: MR rows of C, NV vectors wide (NR = NV x lanes columns): MR x NV
// accumulators, NV W vectors and one broadcast A value must fit the vector registers (32 zmm
// with AVX-512, 16 ymm with AVX2). The ISA files pick the shape (make_packed below).
template <class T, int NV>
constexpr int nr_of = NV * Vec<T>::kLanes;

// Writes the tile acc into C (rows < mr, columns < nr) as PackedGemm::block describes.
template <class T, int MR, int NV>
inline void store_tile(typename Vec<T>::R (&acc)[MR][NV], T* c, int64_t ldc, int64_t mr,
                       int64_t nr, T alpha, T beta, bool first) {
  using V = Vec<T>;
  constexpr int L = V::kLanes;
  const typename V::R va = V::set1(alpha), vb = V::set1(beta);
  const bool full = nr == NV * L;
  typename V::Mask ms[NV];
  for (int q = 0; q < NV; ++q) ms[q] = V::mask(nr - q * L);
  for (int r = 0; r < MR; ++r) {
    if (r >= mr) break;
    T* cr = c + r * ldc;
    for (int q = 0; q < NV; ++q) {
      typename V::R x = acc[r][q];
      if (first && beta == T(0)) {
        x = V::mul(x, va);
      } else {
        typename V::R cv = full ? V::loadu(cr + q * L) : V::maskz_loadu(ms[q], cr + q * L);
        if (first) cv = V::mul(cv, vb);
        x = V::fmadd(x, va, cv);
      }
      if (full) V::storeu(cr + q * L, x);
      else V::mask_storeu(cr + q * L, ms[q], x);
    }
  }
}

// C's rows are needed at the end of a tile: fetch them into L2 meanwhile (into L1 they would
// be evicted again by the panels streaming through it: measured ~10% slower at n = 2048).
template <class T, int MR, int NV>
inline void prefetch_c(const T* c, int64_t ldc, int64_t mr) {
  constexpr int kBytes = NV * Vec<T>::kLanes * static_cast<int>(sizeof(T));  // one tile row
  for (int r = 0; r < MR; ++r) {
    if (r >= mr) break;
    const char* row = reinterpret_cast<const char*>(c + r * ldc);
    for (int b = 0; b < kBytes; b += 64) _mm_prefetch(row + b, _MM_HINT_T1);
    _mm_prefetch(row + kBytes - 1, _MM_HINT_T1);  // the row need not start a 64-byte line
  }
}

// One mr x nr tile: kc rank-1 updates from an A panel (MR values per step) and a W panel (NR
// values per step, row p at w + p * ws: ws = NR for a packed panel). Each accumulator is one
// sequential FMA chain over p, starting from zero. The A panel stays in L1 while W panels
// stream in from L2 (see block), so W is prefetched 16 steps ahead; past a packed panel's end
// that is the start of the next one, which comes next.
template <class T, int MR, int NV>
inline void micro_kernel(int64_t kc, const T* __restrict a, const T* __restrict w, int64_t ws,
                         T* c, int64_t ldc, int64_t mr, int64_t nr, T alpha, T beta, bool first) {
  using V = Vec<T>;
  constexpr int L = V::kLanes;
  constexpr int kRowBytes = NV * L * static_cast<int>(sizeof(T));
  typename V::R acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int q = 0; q < NV; ++q) acc[r][q] = V::zero();
  prefetch_c<T, MR, NV>(c, ldc, mr);
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    typename V::R wv[NV];
    for (int q = 0; q < NV; ++q) wv[q] = V::loadu(w + q * L);
    for (int b = 0; b < kRowBytes; b += 64)  // 64-byte lines
      _mm_prefetch(reinterpret_cast<const char*>(w + 16 * ws) + b, _MM_HINT_T0);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const typename V::R av = V::set1(a[r]);
      for (int q = 0; q < NV; ++q) acc[r][q] = V::fmadd(av, wv[q], acc[r][q]);
    }
    a += MR;
    w += ws;
  }
  store_tile<T, MR, NV>(acc, c, ldc, mr, nr, alpha, beta, first);
}

// The W panel of columns j0 ... as (pointer, row stride) from a WPanels (gemm_packed.h).
template <class T, int NV>
inline const T* w_panel(const WPanels& wp, int64_t j0, int64_t kc, int64_t& ws) {
  constexpr int nr = nr_of<T, NV>;
  if (j0 >= wp.edge_j0) {
    ws = nr;
    return static_cast<const T*>(wp.edge) + (j0 - wp.edge_j0) * kc;
  }
  ws = wp.row_stride;
  return static_cast<const T*>(wp.w) + j0 / nr * wp.panel_stride;
}

// dst[p * dld + r] = src[r * sld + p] for r < rows, p < len: the transposing copy both packers
// need (a row-major A into column panels, a column-major W into row panels). float goes through
// 4 x 4 SSE transposes (about 3x faster than element by element), the edges element by element.
template <class T>
void transpose_copy(const T* src, int64_t sld, int64_t rows, int64_t len, T* dst, int64_t dld) {
  int64_t r = 0;
  if constexpr (sizeof(T) == 4) {
    const int64_t len4 = len & ~int64_t{3};
    for (; r + 4 <= rows; r += 4) {
      const T* s0 = src + r * sld;
      for (int64_t p = 0; p < len4; p += 4) {
        __m128 x0 = _mm_loadu_ps(s0 + p), x1 = _mm_loadu_ps(s0 + sld + p),
               x2 = _mm_loadu_ps(s0 + 2 * sld + p), x3 = _mm_loadu_ps(s0 + 3 * sld + p);
        _MM_TRANSPOSE4_PS(x0, x1, x2, x3);
        T* d = dst + p * dld + r;
        _mm_storeu_ps(d, x0);
        _mm_storeu_ps(d + dld, x1);
        _mm_storeu_ps(d + 2 * dld, x2);
        _mm_storeu_ps(d + 3 * dld, x3);
      }
      for (int64_t p = len4; p < len; ++p)
        for (int64_t q = 0; q < 4; ++q) dst[p * dld + r + q] = s0[q * sld + p];
    }
    for (; r + 2 <= rows; r += 2) {  // two rows (MR = 14 = 3 x 4 + 2): pairs of 64-bit stores
      const T* s0 = src + r * sld;
      for (int64_t p = 0; p < len4; p += 4) {
        const __m128 x0 = _mm_loadu_ps(s0 + p), x1 = _mm_loadu_ps(s0 + sld + p);
        const __m128 lo = _mm_unpacklo_ps(x0, x1), hi = _mm_unpackhi_ps(x0, x1);
        T* d = dst + p * dld + r;
        _mm_storel_pi(reinterpret_cast<__m64*>(d), lo);
        _mm_storeh_pi(reinterpret_cast<__m64*>(d + dld), lo);
        _mm_storel_pi(reinterpret_cast<__m64*>(d + 2 * dld), hi);
        _mm_storeh_pi(reinterpret_cast<__m64*>(d + 3 * dld), hi);
      }
      for (int64_t p = len4; p < len; ++p)
        for (int64_t q = 0; q < 2; ++q) dst[p * dld + r + q] = s0[q * sld + p];
    }
  }
  for (; r < rows; ++r) {
    const T* sr = src + r * sld;
    for (int64_t p = 0; p < len; ++p) dst[p * dld + r] = sr[p];
  }
}

// micro_kernel for a full tile (MR rows) read straight from a row-major A (row r of the tile
// at a + r * rs, contiguous over p): no packed copy of A. The rows are addressed from one base
// per three rows plus 0, 1 or 2 times rs, which x86 addressing does without extra registers.
// Same accumulation order as micro_kernel, so the same bits.
template <class T, int MR, int NV>
inline void micro_kernel_direct(int64_t kc, const T* __restrict a, int64_t rs,
                                const T* __restrict w, int64_t ws, T* c, int64_t ldc, int64_t nr,
                                T alpha, T beta, bool first) {
  using V = Vec<T>;
  constexpr int L = V::kLanes;
  constexpr int kBases = (MR + 2) / 3;
  typename V::R acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int q = 0; q < NV; ++q) acc[r][q] = V::zero();
  prefetch_c<T, MR, NV>(c, ldc, MR);
  const T* base[kBases];
  for (int b = 0; b < kBases; ++b) base[b] = a + 3 * b * rs;
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    typename V::R wv[NV];
    for (int q = 0; q < NV; ++q) wv[q] = V::loadu(w + q * L);
    T av[MR];
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) av[r] = base[r / 3][(r % 3) * rs + p];
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const typename V::R v = V::set1(av[r]);
      for (int q = 0; q < NV; ++q) acc[r][q] = V::fmadd(v, wv[q], acc[r][q]);
    }
    w += ws;
  }
  store_tile<T, MR, NV>(acc, c, ldc, MR, nr, alpha, beta, first);
}

template <class T, int MR, int NV>
void pack_w(const void* wv, int64_t rs, int64_t cs, int64_t kc, int64_t nc, void* outv) {
  constexpr int nr = nr_of<T, NV>;
  const T* w = static_cast<const T*>(wv);
  T* out = static_cast<T*>(outv);
  for (int64_t j0 = 0; j0 < nc; j0 += nr, out += kc * nr) {
    const int64_t jn = imin(nr, nc - j0);
    if (cs == 1) {  // row-major W: each panel row is a slice of a W row (NV vectors)
      using V = Vec<T>;
      constexpr int L = V::kLanes;
      typename V::Mask ms[NV];
      for (int q = 0; q < NV; ++q) ms[q] = V::mask(jn - q * L);
      for (int64_t p = 0; p < kc; ++p) {
        const T* src = w + p * rs + j0;
        T* dst = out + p * nr;
        for (int q = 0; q < NV; ++q)  // masked-off lanes are zeros, never read
          V::storeu(dst + q * L, V::maskz_loadu(ms[q], src + q * L));
      }
    } else {  // column-major (rs == 1, a transposed view): a transposing copy of jn columns
      transpose_copy<T>(w + j0 * cs, cs, jn, kc, out, nr);
      for (int64_t j = jn; j < nr; ++j)
        for (int64_t p = 0; p < kc; ++p) out[p * nr + j] = T(0);
    }
  }
}

template <class T, int MR, int NV>
void pack_a(const void* av, int64_t rs, int64_t cs, int64_t mc, int64_t kc, void* outv) {
  const T* a = static_cast<const T*>(av);
  T* out = static_cast<T*>(outv);
  for (int64_t i0 = 0; i0 < mc; i0 += MR, out += kc * MR) {
    const int64_t in = imin(MR, mc - i0);
    if (rs == 1) {  // column-major A (a transposed view): each panel column is contiguous
      using V = Vec<T>;
      constexpr int L = V::kLanes;
      constexpr int kVecs = (MR + L - 1) / L;  // MR values: one or two masked vectors
      typename V::Mask ld[kVecs], st[kVecs];
      for (int q = 0; q < kVecs; ++q) {
        ld[q] = V::mask(in - q * L);
        st[q] = V::mask(MR - q * L);
      }
      for (int64_t p = 0; p < kc; ++p) {
        const T* src = a + p * cs + i0;
        T* dst = out + p * MR;
        for (int q = 0; q < kVecs; ++q)
          V::mask_storeu(dst + q * L, st[q], V::maskz_loadu(ld[q], src + q * L));
      }
    } else {  // row-major A (cs == 1): a transposing copy of in rows
      transpose_copy<T>(a + i0 * rs, rs, in, kc, out, MR);
      for (int64_t r = in; r < MR; ++r)
        for (int64_t p = 0; p < kc; ++p) out[p * MR + r] = T(0);
    }
  }
}

// All tiles of one packed A block and one packed W block, in the BLIS order: A panels outside
// (one, 14 KiB, stays in L1 while all W panels of the block stream past it from L2), W panels
// inside, so C is written row band by row band, each row contiguously. Measured against the
// other order (W panel in L1, A panels streaming; session 6) in one process with MKL, 1 thread,
// medians of 25-41 rounds: the same at n <= 1024 and 0.80x -> 0.88x MKL at n = 2048.
template <class T, int MR, int NV>
void block(const void* pav, const WPanels& wp, int64_t mc, int64_t nc, int64_t kc, void* cv,
           int64_t ldc, double alpha, double beta, bool first) {
  constexpr int nr = nr_of<T, NV>;
  const T* pa = static_cast<const T*>(pav);
  T* c = static_cast<T*>(cv);
  for (int64_t i0 = 0; i0 < mc; i0 += MR)
    for (int64_t j0 = 0; j0 < nc; j0 += nr) {
      int64_t ws = 0;
      const T* w = w_panel<T, NV>(wp, j0, kc, ws);
      micro_kernel<T, MR, NV>(kc, pa + i0 * kc, w, ws, c + i0 * ldc + j0, ldc,
                              imin(MR, mc - i0), imin(nr, nc - j0), static_cast<T>(alpha),
                              static_cast<T>(beta), first);
    }
}

// ---- thin products: one row or one column of C (matrix-vector products), or a depth k < 8 ----
// No packing: each output is a dot product of two contiguous vectors ("dot"), or a block of
// outputs accumulates over p from one contiguous slice per p ("columns"). Every output's sum has
// a fixed order that does not depend on its position.

// out[t] = sum_p x[t * xs + p] * y[p] for t < count (x rows and y contiguous over p). Rows go
// in groups of one vector's lanes: one accumulator each (independent chains), then one
// transposing reduction (Vec::sum_each) gives the group's sums in one vector. A last, partial
// group runs the same tree with zero rows, so every output has the same order wherever it is.
template <class T>
void thin_dot(const T* x, int64_t xs, const T* y, int64_t k, int64_t count, T* out, int64_t os,
              T alpha, T beta) {
  using V = Vec<T>;
  constexpr int L = V::kLanes;
  for (int64_t t0 = 0; t0 < count; t0 += L) {
    const int64_t tn = imin(L, count - t0);
    typename V::R acc[L];
    for (int r = 0; r < L; ++r) acc[r] = V::zero();
    for (int64_t p = 0; p < k; p += L) {
      const typename V::Mask m = V::mask(k - p);
      const typename V::R yv = V::maskz_loadu(m, y + p);
      for (int r = 0; r < L; ++r) {
        if (r >= tn) break;
        acc[r] = V::fmadd(V::maskz_loadu(m, x + (t0 + r) * xs + p), yv, acc[r]);
      }
    }
    alignas(64) T sums[L];
    V::storeu(sums, V::sum_each(acc));
    for (int64_t r = 0; r < tn; ++r) {
      T* o = out + (t0 + r) * os;
      *o = beta == T(0) ? alpha * sums[r] : beta * *o + alpha * sums[r];
    }
  }
}

// out[t] = sum_p x[p * ld + t] * y[p * ys] for t < count (contiguous over t for each p), in
// blocks of NV vectors of outputs.
template <class T, int NV>
void thin_columns_nv(const T* x, int64_t ld, const T* y, int64_t ys, int64_t k, int64_t t0,
                     int64_t tn, T* out, T alpha, T beta) {
  using V = Vec<T>;
  constexpr int L = V::kLanes;
  typename V::Mask ms[NV];
  typename V::R acc[NV];
  for (int q = 0; q < NV; ++q) {
    ms[q] = V::mask(tn - q * L);
    acc[q] = V::zero();
  }
  for (int64_t p = 0; p < k; ++p) {
    const T* xp = x + p * ld + t0;
    const typename V::R yv = V::set1(y[p * ys]);
    for (int q = 0; q < NV; ++q) acc[q] = V::fmadd(V::maskz_loadu(ms[q], xp + q * L), yv, acc[q]);
  }
  const typename V::R va = V::set1(alpha), vb = V::set1(beta);
  for (int q = 0; q < NV; ++q) {
    T* o = out + t0 + q * L;
    typename V::R r = V::mul(acc[q], va);
    if (beta != T(0)) r = V::fmadd(V::maskz_loadu(ms[q], o), vb, r);
    V::mask_storeu(o, ms[q], r);
  }
}

template <class T>
void thin_columns(const T* x, int64_t ld, const T* y, int64_t ys, int64_t k, int64_t count,
                  T* out, T alpha, T beta) {
  constexpr int L = Vec<T>::kLanes;
  for (int64_t t0 = 0; t0 < count; t0 += 4 * L) {
    const int64_t tn = imin(4 * L, count - t0);
    if (tn <= L) thin_columns_nv<T, 1>(x, ld, y, ys, k, t0, tn, out, alpha, beta);
    else if (tn <= 2 * L) thin_columns_nv<T, 2>(x, ld, y, ys, k, t0, tn, out, alpha, beta);
    else thin_columns_nv<T, 4>(x, ld, y, ys, k, t0, tn, out, alpha, beta);
  }
}

// C[i, t0 : t0 + tn] = sum_p a[i * ars + p * acs] * w[p * ld + t0 + ...] for every row i: the
// shallow product (k < 8), column blocks outside so the masks and W's rows stay put.
template <class T, int NV>
void shallow_nv(const T* w, int64_t ld, const T* a, int64_t ars, int64_t acs, int64_t k,
                int64_t n, int64_t t0, int64_t tn, T* c, int64_t ldc, T alpha, T beta) {
  using V = Vec<T>;
  constexpr int L = V::kLanes;
  typename V::Mask ms[NV];
  for (int q = 0; q < NV; ++q) ms[q] = V::mask(tn - q * L);
  const typename V::R va = V::set1(alpha), vb = V::set1(beta);
  for (int64_t i = 0; i < n; ++i) {
    const T* ai = a + i * ars;
    typename V::R acc[NV];
    for (int q = 0; q < NV; ++q) acc[q] = V::zero();
    for (int64_t p = 0; p < k; ++p) {
      const T* wp = w + p * ld + t0;
      const typename V::R av = V::set1(ai[p * acs]);
      for (int q = 0; q < NV; ++q) acc[q] = V::fmadd(V::maskz_loadu(ms[q], wp + q * L), av, acc[q]);
    }
    T* o = c + i * ldc + t0;
    for (int q = 0; q < NV; ++q) {
      typename V::R r = V::mul(acc[q], va);
      if (beta != T(0)) r = V::fmadd(V::maskz_loadu(ms[q], o + q * L), vb, r);
      V::mask_storeu(o + q * L, ms[q], r);
    }
  }
}

template <class T>
void shallow(const T* w, int64_t ld, const T* a, int64_t ars, int64_t acs, int64_t k, int64_t n,
             int64_t m, T* c, int64_t ldc, T alpha, T beta) {
  constexpr int L = Vec<T>::kLanes;
  for (int64_t t0 = 0; t0 < m; t0 += 4 * L) {
    const int64_t tn = imin(4 * L, m - t0);
    if (tn <= L) shallow_nv<T, 1>(w, ld, a, ars, acs, k, n, t0, tn, c, ldc, alpha, beta);
    else if (tn <= 2 * L) shallow_nv<T, 2>(w, ld, a, ars, acs, k, n, t0, tn, c, ldc, alpha, beta);
    else shallow_nv<T, 4>(w, ld, a, ars, acs, k, n, t0, tn, c, ldc, alpha, beta);
  }
}

// C = alpha * A W + beta * C when n == 1, m == 1 or k < 8; false when the operands' layout has
// no contiguous side this needs (the caller then uses Eigen).
template <class T>
bool thin(const simd::GemmArgs& g) {
  const T* a = static_cast<const T*>(g.a);
  const T* w = static_cast<const T*>(g.w);
  T* c = static_cast<T*>(g.c);
  const T alpha = static_cast<T>(g.alpha), beta = static_cast<T>(g.beta);
  const int64_t a_rs = g.a_row_major ? g.lda : 1, a_cs = g.a_row_major ? 1 : g.lda;
  const int64_t w_rs = g.w_row_major ? g.ldw : 1, w_cs = g.w_row_major ? 1 : g.ldw;
  if (g.m == 1) {  // c[i] = A[i, :] . w[:, 0]
    if (a_cs == 1 && w_rs == 1) {
      thin_dot<T>(a, a_rs, w, g.k, g.n, c, g.ldc, alpha, beta);
      return true;
    }
    if (a_rs == 1 && g.ldc == 1) {
      thin_columns<T>(a, a_cs, w, w_rs, g.k, g.n, c, alpha, beta);
      return true;
    }
    return false;
  }
  if (g.k < 8 && w_cs == 1) {  // shallow: each row of C sums k rows of W
    shallow<T>(w, w_rs, a, a_rs, a_cs, g.k, g.n, g.m, c, g.ldc, alpha, beta);
    return true;
  }
  if (g.n == 1) {  // c[j] = a[0, :] . W[:, j]
    if (w_cs == 1) {
      thin_columns<T>(w, w_rs, a, a_cs, g.k, g.m, c, alpha, beta);
      return true;
    }
    if (w_rs == 1 && a_cs == 1) {
      thin_dot<T>(w, w_cs, a, g.k, g.m, c, 1, alpha, beta);
      return true;
    }
  }
  return false;
}

// block for a row-major A read in place (element (i, p) at a[i * rs + p]): full MR-row tiles
// use micro_kernel_direct, a last partial tile is packed (zero-padded) into a small buffer.
template <class T, int MR, int NV, int KC>
void block_direct(const void* av, int64_t rs, const WPanels& wpn, int64_t mc, int64_t nc,
                  int64_t kc, void* cv, int64_t ldc, double alpha, double beta, bool first) {
  constexpr int nr = nr_of<T, NV>;
  const T* a = static_cast<const T*>(av);
  T* c = static_cast<T*>(cv);
  const int64_t full = mc / MR * MR;
  alignas(64) T edge[MR * KC];
  const bool has_edge = full < mc && kc <= KC;
  if (has_edge) transpose_copy<T>(a + full * rs, rs, mc - full, kc, edge, MR);
  if (has_edge)
    for (int64_t r = mc - full; r < MR; ++r)
      for (int64_t p = 0; p < kc; ++p) edge[p * MR + r] = T(0);
  for (int64_t j0 = 0; j0 < nc; j0 += nr) {
    int64_t ws = 0;
    const T* wp = w_panel<T, NV>(wpn, j0, kc, ws);
    const int64_t nj = imin(nr, nc - j0);
    for (int64_t i0 = 0; i0 < full; i0 += MR)
      micro_kernel_direct<T, MR, NV>(kc, a + i0 * rs, rs, wp, ws, c + i0 * ldc + j0, ldc, nj,
                                     static_cast<T>(alpha), static_cast<T>(beta), first);
    if (has_edge)
      micro_kernel<T, MR, NV>(kc, edge, wp, ws, c + full * ldc + j0, ldc, mc - full, nj,
                              static_cast<T>(alpha), static_cast<T>(beta), first);
  }
}

// One kernel configuration: the tile (MR x NV vectors) and the cache blocks.
template <class T, int MR, int NV, int KC, int MC, int NC>
constexpr PackedGemm make_packed(const char* name) {
  return {name,          MR,
          nr_of<T, NV>,  KC,
          MC,            NC,
          pack_w<T, MR, NV>, pack_a<T, MR, NV>,
          block<T, MR, NV>,  block_direct<T, MR, NV, KC>,
          thin<T>};
}

}  // namespace
}  // namespace tg::kernels::cpu
