// kernels/cuda/backend.cpp — the CUDA backend object: one per GPU, making its GPU current and
// forwarding each primitive to the kernels (cuda_kernels.h).
//
// cholesky_solve runs on the host: the batched SPD solves of ALS are small (K <= a few hundred)
// and rare (once per sweep), so a copy to the CPU path (Eigen LLT) costs little and keeps the
// "false when not SPD" rule identical; cuSOLVER's batched potrf/potrs is the upgrade if it shows.
#include <memory>
#include <mutex>
#include <vector>

#include "../../autograd/grad_mode.h"
#include "cuda_kernels.h"
#include "runtime.h"

namespace tg::kernels {
namespace cuda {

void split_around(const DimVec& sizes, int dim, int64_t& a, int64_t& r, int64_t& b) {
  a = 1;
  b = 1;
  for (int d = 0; d < dim; ++d) a *= sizes[d];
  r = sizes.size() ? sizes[dim] : 1;
  for (int d = dim + 1; d < sizes.size(); ++d) b *= sizes[d];
}

namespace {

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(int index) : index_(index) {}
  const char* name() const override { return "cuda"; }

  void* allocate(size_t nbytes) override { return cuda::allocate(index_, nbytes); }
  void deallocate(void* ptr, size_t) override { cuda::deallocate(index_, ptr); }
  void copy_from_host(void* dst, const void* src, size_t n) override {
    cuda::copy_from_host(index_, dst, src, n);
  }
  void copy_to_host(void* dst, const void* src, size_t n) override {
    cuda::copy_to_host(index_, dst, src, n);
  }

  // Every primitive: make this GPU current; internal views and temporaries are not recorded.
  void copy(const Tensor& src, const Tensor& dst) override {
    Scope s(index_);
    cuda::copy(src, dst);
  }
  void fill(const Tensor& dst, Scalar v) override {
    Scope s(index_);
    cuda::fill(dst, v);
  }
  void unary(UnaryOp op, const UnaryParams& p, const Tensor& x, const Tensor& out) override {
    Scope s(index_);
    cuda::unary(op, p, x, out);
  }
  void binary(BinaryOp op, double alpha, const Tensor& a, const Tensor& b,
              const Tensor& out) override {
    Scope s(index_);
    cuda::binary(op, alpha, a, b, out);
  }
  void where(const Tensor& c, const Tensor& a, const Tensor& b, const Tensor& out) override {
    Scope s(index_);
    cuda::where(c, a, b, out);
  }
  void reduce(ReduceOp op, const Tensor& x, const bool* r, const Tensor& out) override {
    Scope s(index_);
    cuda::reduce(op, x, r, out);
  }
  void arg_reduce(bool is_max, const Tensor& x, int dim, const Tensor& v,
                  const Tensor& i) override {
    Scope s(index_);
    cuda::arg_reduce(is_max, x, dim, v, i);
  }
  void gemm(const Tensor& a, const Tensor& w, const Tensor& out, double alpha,
            double beta) override {
    Scope s(index_);
    cuda::gemm(a, w, out, alpha, beta);
  }
  void index_select(const Tensor& x, int dim, const Tensor& idx, const Tensor& out) override {
    Scope s(index_);
    cuda::index_select(x, dim, idx, out);
  }
  void gather(const Tensor& x, int dim, const Tensor& idx, const Tensor& out) override {
    Scope s(index_);
    cuda::gather(x, dim, idx, out);
  }
  void scatter(const Tensor& out, int dim, const Tensor& idx, const Tensor& src,
               bool acc) override {
    Scope s(index_);
    cuda::scatter(out, dim, idx, src, acc);
  }
  void index_add(const Tensor& out, int dim, const Tensor& idx, const Tensor& src,
                 double alpha) override {
    Scope s(index_);
    cuda::index_add(out, dim, idx, src, alpha);
  }
  void sort_rows(const Tensor& x, bool desc, int64_t k, const Tensor& v, const Tensor& i) override {
    Scope s(index_);
    cuda::sort_rows(x, desc, k, v, i);
  }
  void softmax(const Tensor& x, int dim, bool log, const Tensor& out) override {
    Scope s(index_);
    cuda::softmax(x, dim, log, out);
  }
  bool cholesky_solve(const Tensor& a, const Tensor& b, const Tensor& out) override {
    Scope s(index_);
    const Device cpu{kCPU};
    Tensor host_out = empty(out.sizes(), out.dtype(), cpu);
    const bool ok = cpu_backend().cholesky_solve(a.to(cpu), b.to(cpu), host_out);
    copy_from_host(out.data_ptr(), host_out.data_ptr(), host_out.nbytes());  // out is contiguous
    return ok;
  }
  void uniform(const Tensor& out, uint64_t seed, uint64_t o, double lo, double hi) override {
    Scope s(index_);
    cuda::uniform(out, seed, o, lo, hi);
  }
  void normal(const Tensor& out, uint64_t seed, uint64_t o, double m, double sd) override {
    Scope s(index_);
    cuda::normal(out, seed, o, m, sd);
  }
  void randint(const Tensor& out, uint64_t seed, uint64_t o, int64_t lo, int64_t hi) override {
    Scope s(index_);
    cuda::randint(out, seed, o, lo, hi);
  }
  bool fused_adam(const Tensor& p, const Tensor& grad, const Tensor& m, const Tensor& v,
                  const AdamStep& step) override {
    Scope s(index_);
    return cuda::fused_adam(p, grad, m, v, step);
  }
  bool coalesce_rows(const Tensor& indices, const Tensor& values, int64_t num_rows,
                     Tensor& rows_out, Tensor& values_out) override {
    Scope s(index_);
    cuda::coalesce_rows(indices, values, num_rows, rows_out, values_out);
    return true;
  }
  bool fused_sparse_adam(const Tensor& p, const Tensor& m, const Tensor& v, const Tensor& rows,
                         const Tensor& values, const SparseAdamStep& step) override {
    Scope s(index_);
    return cuda::fused_sparse_adam(p, m, v, rows, values, step);
  }

 private:
  struct Scope {
    explicit Scope(int index) { set_device(index); }
    NoGradGuard no_grad;
  };
  int index_;
};

}  // namespace
}  // namespace cuda

Backend* cuda_backend(int index) {
  const int n = cuda::device_count();
  if (n == 0) return nullptr;
  cuda::check_device_index(index, "cuda");
  static std::vector<std::unique_ptr<cuda::CudaBackend>>* backends = [n] {
    auto* v = new std::vector<std::unique_ptr<cuda::CudaBackend>>();
    for (int i = 0; i < n; ++i) v->push_back(std::make_unique<cuda::CudaBackend>(i));
    return v;
  }();
  return (*backends)[static_cast<size_t>(index)].get();
}

}  // namespace tg::kernels
