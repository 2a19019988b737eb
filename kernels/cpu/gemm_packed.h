// kernels/cpu/gemm_packed.h — tapegrad's own GEMM: packed panels and a register-tile kernel.
//
// The classic GotoBLAS / BLIS structure, small enough to read:
//
//   for each column block jc of W (nc columns):
//     for each depth block pc (kc):
//       pack W[pc:pc+kc, jc:jc+nc] into nr-wide panels            (shared by all threads, L2;
//                                                                 a small row-major W is read
//                                                                 in place instead)
//       for each row block ic of A (mc rows), in parallel:
//         pack A[ic:ic+mc, pc:pc+kc] into mr-tall panels          (per thread)
//         for each mr panel of A (stays in L1), for each nr panel of W (streams from L2):
//           micro-kernel: an mr x nr tile of C in registers, kc rank-1 updates
//
// gemm_packed_impl.h holds the micro-kernel and the packing loops, written once over a vector
// type; gemm_packed_avx512.cpp (a 14 x 32 float tile: 28 zmm accumulators) and
// gemm_packed_avx2.cpp (6 x 16: 12 ymm) instantiate them; gemm_packed.cpp has the loops above
// and the threads.
//
// Every element of C is summed the same way wherever its row falls: a sequential FMA chain over
// each kc block (from zero), each block added into C in order. So a product split into row blocks
// anyhow gives the same bits as the whole product, for any number of threads (tested), and the
// row blocks can follow the thread count for load balance. The padding of edge panels is zeros.
#pragma once

#include <cstdint>

#include "simd.h"

namespace tg::kernels::cpu {

// The W operand of PackedGemm::block: nr-wide panels of kc rows, panel q (columns q * nr ...)
// at w + q * panel_stride and its row p at + p * row_stride (elements). Packed by pack_w:
// panel_stride = kc * nr, row_stride = nr. A row-major W read in place: panel_stride = nr,
// row_stride = W's leading dimension, and a last partial panel (columns from edge_j0 on, which
// a full-width read would overrun) packed at `edge`. The products are the same bits either way.
struct WPanels {
  const void* w;
  int64_t panel_stride, row_stride;
  const void* edge;  // the packed last panel when edge_j0 < nc, else unused
  int64_t edge_j0;   // the first column of `edge` (a multiple of nr), or >= nc for none
};

// One dtype's kernel pieces (plain types only, see simd.h on ISA translation units).
struct PackedGemm {
  const char* name;       // "avx512", or null where the CPU or compiler lacks it
  int mr, nr;             // register tile of C
  int64_t kc, mc, nc;     // cache blocks (elements): mr x kc A panel in L1, kc x nc W block in L2
  // Packs W[kc, nc], element (p, j) at w[p * rs + j * cs], into ceil(nc / nr) panels of kc x nr
  // (row p of a panel: nr consecutive values), zero-padded on the right.
  void (*pack_w)(const void* w, int64_t rs, int64_t cs, int64_t kc, int64_t nc, void* out);
  // Packs A[mc, kc], element (i, p) at a[i * rs + p * cs], into ceil(mc / mr) panels of mr x kc
  // (column p of a panel: mr consecutive values), zero-padded at the bottom.
  void (*pack_a)(const void* a, int64_t rs, int64_t cs, int64_t mc, int64_t kc, void* out);
  // C[mc, nc] (row-major, ldc) from packed A [mc, kc] and W's panels (WPanels below):
  //   first && beta == 0:  C = alpha * AW          (C is not read: it may hold garbage)
  //   first:               C = beta * C + alpha * AW
  //   otherwise:           C = C + alpha * AW       (the next kc block)
  void (*block)(const void* pa, const WPanels& w, int64_t mc, int64_t nc, int64_t kc,
                void* c, int64_t ldc, double alpha, double beta, bool first);
  // block with A read in place instead of packed: a row-major A (element (i, p) at
  // a[i * rs + p]), kc <= this->kc. Same bits as pack_a + block.
  void (*block_direct)(const void* a, int64_t rs, const WPanels& w, int64_t mc,
                       int64_t nc, int64_t kc, void* c, int64_t ldc, double alpha, double beta,
                       bool first);
  // Matrix-vector products (g.n == 1 or g.m == 1) and shallow ones (1 <= g.k < 8), unpacked:
  // each output a sum in a fixed order. Returns false (nothing written) for layouts it does
  // not take.
  bool (*thin)(const simd::GemmArgs& g);
};

extern const PackedGemm kPackedAvx512F32;
extern const PackedGemm kPackedAvx512F64;
extern const PackedGemm kPackedAvx2F32;
extern const PackedGemm kPackedAvx2F64;

// The packed kernel for this CPU and dtype: the AVX-512 or AVX2 table as simd::kernels() picked
// the ISA (TG_CPU_ISA can cap it), or null on CPUs with neither.
const PackedGemm* packed_gemm_kernels(bool is_double);

// Whether the packed kernel takes this shape: smaller products (a few rows, columns or depth,
// where packing would cost as much as the product) go to Eigen, except matrix-vector products
// (one row or one column of C) and depths under 8, which take PackedGemm::thin. Depends on the
// shape only.
bool packed_gemm_suits(int64_t n, int64_t k, int64_t m);

// C = alpha * A W + beta * C with the packed kernel `pk` (g as in simd.h; n, m, k >= 0), for a
// shape packed_gemm_suits. parallel: whether it may use the OpenMP threads (false inside a
// parallel region). Returns false (nothing written) when a thin product's layout does not suit.
bool packed_gemm(const PackedGemm& pk, const simd::GemmArgs& g, bool is_double, bool parallel);

}  // namespace tg::kernels::cpu
