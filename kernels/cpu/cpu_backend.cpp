// kernels/cpu/cpu_backend.cpp — the CPU backend object: memory, plus forwarding to the kernels.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "../../autograd/grad_mode.h"
#include "cpu_kernels.h"
#include "parallel.h"

namespace tg::kernels {
namespace cpu {

Tensor restride(const Tensor& t, const DimVec& sizes, const DimVec& strides) {
  return Tensor(std::make_shared<TensorImpl>(t.impl().storage(), sizes, strides,
                                             t.storage_offset(), t.dtype()));
}

void split_around(const DimVec& sizes, int dim, int64_t& a, int64_t& r, int64_t& b) {
  a = 1;
  b = 1;
  for (int d = 0; d < dim; ++d) a *= sizes[d];
  r = sizes.size() ? sizes[dim] : 1;
  for (int d = dim + 1; d < sizes.size(); ++d) b *= sizes[d];
}

namespace {

class CpuBackend final : public Backend {
 public:
  const char* name() const override { return "cpu"; }

  // Small blocks come from malloc (glibc keeps per-thread caches of them); large blocks are
  // 64-byte aligned for vector loads.
  void* allocate(size_t nbytes) override {
    // Beyond PTRDIFF_MAX no allocation can succeed (and rounding up below could wrap to 0).
    TG_CHECK(nbytes <= static_cast<size_t>(PTRDIFF_MAX), "allocate: out of memory allocating ",
             nbytes, " bytes on cpu");
    void* p = nbytes <= 256 ? std::malloc(nbytes ? nbytes : 1)
                            : std::aligned_alloc(64, (nbytes + 63) / 64 * 64);
    TG_CHECK(p != nullptr, "allocate: out of memory allocating ", nbytes, " bytes on cpu");
    return p;
  }
  void deallocate(void* ptr, size_t) override { std::free(ptr); }
  void copy_from_host(void* dst, const void* src, size_t n) override {
    if (n) std::memcpy(dst, src, n);
  }
  void copy_to_host(void* dst, const void* src, size_t n) override {
    if (n) std::memcpy(dst, src, n);
  }

  void copy(const Tensor& src, const Tensor& dst) override { cpu::copy(src, dst); }
  void fill(const Tensor& dst, Scalar v) override { cpu::fill(dst, v); }
  void unary(UnaryOp op, const UnaryParams& p, const Tensor& x, const Tensor& out) override {
    cpu::unary(op, p, x, out);
  }
  void binary(BinaryOp op, double alpha, const Tensor& a, const Tensor& b,
              const Tensor& out) override {
    cpu::binary(op, alpha, a, b, out);
  }
  void where(const Tensor& c, const Tensor& a, const Tensor& b, const Tensor& out) override {
    cpu::where(c, a, b, out);
  }
  void reduce(ReduceOp op, const Tensor& x, const bool* r, const Tensor& out) override {
    NoGradGuard ng;  // kernels may build internal views
    cpu::reduce(op, x, r, out);
  }
  void arg_reduce(bool is_max, const Tensor& x, int dim, const Tensor& v,
                  const Tensor& i) override {
    NoGradGuard ng;  // kernels may build internal views
    cpu::arg_reduce(is_max, x, dim, v, i);
  }
  void gemm(const Tensor& a, const Tensor& w, const Tensor& out, double alpha,
            double beta) override {
    NoGradGuard ng;  // kernels may build internal views
    cpu::gemm(a, w, out, alpha, beta);
  }
  void index_select(const Tensor& x, int dim, const Tensor& idx, const Tensor& out) override {
    NoGradGuard ng;  // kernels may build internal views
    cpu::index_select(x, dim, idx, out);
  }
  void gather(const Tensor& x, int dim, const Tensor& idx, const Tensor& out) override {
    NoGradGuard ng;  // kernels may build internal views
    cpu::gather(x, dim, idx, out);
  }
  void scatter(const Tensor& out, int dim, const Tensor& idx, const Tensor& src,
               bool acc) override {
    NoGradGuard ng;  // kernels may build internal views
    cpu::scatter(out, dim, idx, src, acc);
  }
  void index_add(const Tensor& out, int dim, const Tensor& idx, const Tensor& src,
                 double alpha) override {
    NoGradGuard ng;  // kernels may build internal views
    cpu::index_add(out, dim, idx, src, alpha);
  }
  void sort_rows(const Tensor& x, bool desc, int64_t k, const Tensor& v,
                 const Tensor& i) override {
    NoGradGuard ng;  // kernels may build internal views
    cpu::sort_rows(x, desc, k, v, i);
  }
  void softmax(const Tensor& x, int dim, bool log, const Tensor& out) override {
    NoGradGuard ng;  // kernels may build internal views
    cpu::softmax(x, dim, log, out);
  }
  bool cholesky_solve(const Tensor& a, const Tensor& b, const Tensor& out) override {
    NoGradGuard ng;
    return cpu::cholesky_solve(a, b, out);
  }
  void uniform(const Tensor& out, uint64_t s, uint64_t o, double lo, double hi) override {
    cpu::uniform(out, s, o, lo, hi);
  }
  void normal(const Tensor& out, uint64_t s, uint64_t o, double m, double sd) override {
    cpu::normal(out, s, o, m, sd);
  }
  void randint(const Tensor& out, uint64_t s, uint64_t o, int64_t lo, int64_t hi) override {
    cpu::randint(out, s, o, lo, hi);
  }
};

}  // namespace
}  // namespace cpu

}  // namespace tg::kernels

namespace tg {

void set_num_threads(int n) {
  TG_CHECK(n >= 1, "set_num_threads: expected at least 1 thread, got ", n);
#ifdef _OPENMP
  omp_set_num_threads(n);
#endif
}

int get_num_threads() { return kernels::cpu::max_threads(); }

}  // namespace tg

namespace tg::kernels {

Backend& cpu_backend() {
  static cpu::CpuBackend b;
  return b;
}

}  // namespace tg::kernels
