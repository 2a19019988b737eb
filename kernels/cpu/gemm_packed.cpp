// kernels/cpu/gemm_packed.cpp — the loops and threads of tapegrad's packed GEMM (gemm_packed.h);
// the AVX-512 kernel pieces are in gemm_packed_avx512.cpp.
#include "gemm_packed.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>

#include "parallel.h"

namespace tg::kernels::cpu {
namespace {

// A 64-byte aligned scratch buffer, grown on demand and kept (one per thread: see below).
class Scratch {
 public:
  void* get(size_t bytes) {
    if (bytes > size_) {
      data_.reset(static_cast<unsigned char*>(::operator new(bytes, std::align_val_t{64})));
      size_ = bytes;
    }
    return data_.get();
  }

 private:
  struct Free {
    void operator()(unsigned char* p) const { ::operator delete(p, std::align_val_t{64}); }
  };
  std::unique_ptr<unsigned char, Free> data_;
  size_t size_ = 0;
};

// Per thread, so concurrent products on different threads never share one. The W block belongs
// to the thread that calls packed_gemm (its workers only read it); A blocks to each worker.
Scratch& w_scratch() {
  thread_local Scratch s;
  return s;
}
Scratch& a_scratch() {
  thread_local Scratch s;
  return s;
}
Scratch& edge_scratch() {  // the last, partial panel of a W read in place (one per thread)
  thread_local Scratch s;
  return s;
}

int64_t round_up(int64_t x, int64_t to) { return (x + to - 1) / to * to; }

// C = beta * C for an empty depth (k == 0); beta == 0 writes zeros without reading C.
template <class T>
void scale_c(const simd::GemmArgs& g) {
  T* c = static_cast<T*>(g.c);
  const T beta = static_cast<T>(g.beta);
  for (int64_t i = 0; i < g.n; ++i) {
    T* row = c + i * g.ldc;
    if (beta == T(0)) std::fill(row, row + g.m, T(0));
    else
      for (int64_t j = 0; j < g.m; ++j) row[j] *= beta;
  }
}

template <class T>
void run(const PackedGemm& pk, const simd::GemmArgs& g, bool parallel) {
  const int64_t n = g.n, m = g.m, k = g.k;
  if (n == 0 || m == 0) return;
  if (k == 0) {
    scale_c<T>(g);
    return;
  }
  const T* a = static_cast<const T*>(g.a);
  const T* w = static_cast<const T*>(g.w);
  T* c = static_cast<T*>(g.c);
  const int64_t a_rs = g.a_row_major ? g.lda : 1, a_cs = g.a_row_major ? 1 : g.lda;
  const int64_t w_rs = g.w_row_major ? g.ldw : 1, w_cs = g.w_row_major ? 1 : g.ldw;
  const int64_t mr = pk.mr, nr = pk.nr;
  const int threads = parallel ? max_threads() : 1;
  // Row blocks: at most pk.mc rows, and at least one per thread while each keeps a few tiles,
  // a multiple of the thread count, with the mr-row tiles dealt out evenly (block q starts at
  // tile q * tiles / blocks: at n = 1024 and 2 threads, 37 tiles per thread where equal blocks
  // of 13 tiles gave 39 and 35). They only balance the load: the bits do not depend on them
  // (gemm_packed.h).
  const int64_t tiles = (n + mr - 1) / mr;
  int64_t blocks = (tiles + pk.mc / mr - 1) / (pk.mc / mr);
  blocks = std::max<int64_t>(blocks, std::min<int64_t>(threads, (tiles + 3) / 4));
  if (blocks > 1 && threads > 1) blocks = std::min(tiles, round_up(blocks, threads));
  const int64_t mc = (tiles + blocks - 1) / blocks * mr;  // the largest block
  auto block_rows = [&](int64_t q) { return std::min(n, q * tiles / blocks * mr); };
  const int64_t nc_max = std::min<int64_t>(pk.nc, round_up(m, nr));
  const int64_t kc_max = std::min<int64_t>(pk.kc, k);
  // A row-major W read in place (no packed copy, so no W-packing step or barrier before the
  // row blocks) when one depth block of it is small: at most 256 KiB, so it stays in L2 and
  // each thread streams its panels from there like packed ones, and rows at most 2 KiB apart,
  // so a panel's rows spread over at least 4 of L1's 64 sets (4 KiB apart they would all fall
  // in one). Measured in one process, in-place / packed, medians of 31 rounds in ABBA order:
  // 1.06-1.08x on 2 threads for 256^3, [1024,128]x[128,64], [512,128]x[128,128] and
  // [768,192]x[192,192] (the same harness comparing packed with packed: 1.00-1.01x); even at 1
  // thread. With 1 MiB of W (256 x 1024) in place was 0.95x at 1 thread, hence the bound.
  const bool wdirect = w_cs == 1 && k <= pk.kc &&
                       k * m * static_cast<int64_t>(sizeof(T)) <= (int64_t{256} << 10) &&
                       w_rs * static_cast<int64_t>(sizeof(T)) <= 2048;
  T* wbuf = wdirect ? nullptr
                   : static_cast<T*>(
                         w_scratch().get(sizeof(T) * static_cast<size_t>(kc_max * nc_max)));
  // Under 2^21 multiply-adds per block a parallel region costs more than it saves.
  const bool split = threads > 1 && n * std::min(m, pk.nc) * kc_max >= (int64_t{1} << 21);

  // A row-major A is read in place when W has at most two panels: then each A value is used by
  // at most 64 (float) columns, and packing A costs a third of the product ([256,64]x[64,32]:
  // 0.61x OpenBLAS packed, 0.93x in place); wider products keep the packed, L1-friendly copy.
  const bool direct = a_cs == 1 && m <= 2 * nr;
  // All depth and column blocks in one parallel region: packing W and the row blocks are
  // worksharing loops, each ending in a barrier, instead of two parallel regions per block (at
  // n = 256 on 2 threads the W-packing region alone was ~10% of the product). Without `split`
  // the same loops run plainly on the calling thread. They must not be orphaned worksharing
  // loops then: packed_gemm may be called inside someone else's parallel region (one product
  // per thread over a batch, gemm.cpp), whose threads would take them as shared work.
  auto pack_panel = [&](int64_t jc, int64_t nc, int64_t pc, int64_t kc, int64_t q) {
    pk.pack_w(w + pc * w_rs + (jc + q * nr) * w_cs, w_rs, w_cs, kc, std::min(nc - q * nr, nr),
              wbuf + q * nr * kc);
  };
  auto row_block = [&](int64_t jc, int64_t nc, int64_t pc, int64_t kc, int64_t q) {
    const int64_t i0 = block_rows(q), mi = block_rows(q + 1) - i0;
    T* ci = c + i0 * g.ldc + jc;
    const bool first = pc == 0;
    WPanels wp{wbuf, kc * nr, nr, nullptr, nc};
    if (wdirect) {
      wp = {w + pc * w_rs + jc, nr, w_rs, nullptr, nc / nr * nr};
      if (wp.edge_j0 < nc) {
        T* ebuf = static_cast<T*>(edge_scratch().get(sizeof(T) * static_cast<size_t>(kc * nr)));
        pk.pack_w(w + pc * w_rs + jc + wp.edge_j0, w_rs, 1, kc, nc - wp.edge_j0, ebuf);
        wp.edge = ebuf;
      }
    }
    if (direct) {
      pk.block_direct(a + i0 * a_rs + pc, a_rs, wp, mi, nc, kc, ci, g.ldc, g.alpha, g.beta,
                      first);
      return;
    }
    T* abuf = static_cast<T*>(a_scratch().get(sizeof(T) * static_cast<size_t>(mc * kc)));
    pk.pack_a(a + i0 * a_rs + pc * a_cs, a_rs, a_cs, mi, kc, abuf);
    pk.block(abuf, wp, mi, nc, kc, ci, g.ldc, g.alpha, g.beta, first);
  };
  auto all_blocks = [&](bool team) {
    for (int64_t jc = 0; jc < m; jc += pk.nc) {
      const int64_t nc = std::min(pk.nc, m - jc);
      const int64_t panels = (nc + nr - 1) / nr;
      for (int64_t pc = 0; pc < k; pc += pk.kc) {
        const int64_t kc = std::min(pk.kc, k - pc);
        if (!team) {
          if (!wdirect)
            for (int64_t q = 0; q < panels; ++q) pack_panel(jc, nc, pc, kc, q);
          for (int64_t q = 0; q < blocks; ++q) row_block(jc, nc, pc, kc, q);
          continue;
        }
#ifdef _OPENMP
        if (!wdirect) {
#pragma omp for schedule(static)
          for (int64_t q = 0; q < panels; ++q) pack_panel(jc, nc, pc, kc, q);
        }
#pragma omp for schedule(static)
        for (int64_t q = 0; q < blocks; ++q) row_block(jc, nc, pc, kc, q);
#endif
      }
    }
  };
#ifdef _OPENMP
  if (split) {
#pragma omp parallel num_threads(threads)
    all_blocks(true);
    return;
  }
#else
  (void)split;  // no threads without OpenMP (the ThreadSanitizer build)
#endif
  all_blocks(false);
}

}  // namespace

const PackedGemm* packed_gemm_kernels(bool is_double) {
  static const std::string_view isa = simd::kernels().name;
  const PackedGemm* pk = nullptr;
  if (isa == "avx512") pk = is_double ? &kPackedAvx512F64 : &kPackedAvx512F32;
  else if (isa == "avx2") pk = is_double ? &kPackedAvx2F64 : &kPackedAvx2F32;
  return pk && pk->name ? pk : nullptr;
}

bool packed_gemm_suits(int64_t n, int64_t k, int64_t m) {
  if ((n == 1 || m == 1 || k < 8) && k >= 1) return true;  // PackedGemm::thin
  // Otherwise a few rows or columns: packing W (or A) would cost as much as the product, and a
  // 32-wide tile would mostly compute padding.
  return n >= 8 && m >= 16 && k >= 8;
}

bool packed_gemm(const PackedGemm& pk, const simd::GemmArgs& g, bool is_double, bool parallel) {
  if ((g.n == 1 || g.m == 1 || g.k < 8) && g.k >= 1) return pk.thin(g);
  if (is_double) run<double>(pk, g, parallel);
  else run<float>(pk, g, parallel);
  return true;
}

}  // namespace tg::kernels::cpu
