// tensor/ops.h — every tensor op as a free function in namespace tg (PyTorch names and semantics).
//
// Forward definitions and backward formulas live side by side in autograd/functions/<family>.cpp.
// Elementwise binary ops broadcast (NumPy rules) and promote dtypes (bool < int64 < float32 < float64;
// a Scalar operand keeps the tensor's dtype unless it is a float and the tensor is not; a 0-dim
// tensor operand only decides the dtype when it is of a higher category than the other operand,
// as in PyTorch: float32[3] + float64[] is float32, int64[3] + float64[] is float64).
// Integer pow with a negative exponent truncates toward zero (1 / 2 -> 0) instead of raising.
#pragma once

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "tensor.h"

namespace tg {

class Generator;

// ---- threads -----------------------------------------------------------------------------------
// Threads the CPU kernels may use (OpenMP); like torch.set_num_threads, but for the calling thread
// only (OpenMP keeps the setting per thread; threads started later get the default). Results of
// reductions and matmul do not depend on it (fixed block structure), only their speed does.
void set_num_threads(int n);
int get_num_threads();

// ---- GEMM backend (kernels/cpu/gemm_backend.h) -------------------------------------------------
// Which library runs CPU float/double matmul, process-wide: "eigen" (built in), "openblas"
// (libopenblas.so.0, loaded at run time; TG_OPENBLAS_LIB overrides the path) or "auto" (OpenBLAS
// when it loads with AVX2/AVX-512 kernels, else Eigen). Without a call, TG_GEMM decides at the
// first matmul (default auto). Throws tg::Error for an unknown name, or for "openblas" when it
// cannot be loaded. The backends agree to rounding, not bit for bit.
void set_gemm_backend(const std::string& name);
// The backend in use and how it was chosen, e.g. "openblas; auto: OpenBLAS 0.3.21 ..., SkylakeX
// kernels, OPENBLAS_CORETYPE=SkylakeX set for the load".
std::string gemm_backend();

// ---- factories (tensor/factories.cpp) ---------------------------------------------------------
Tensor zeros(const DimVec& shape, DType dtype = kDefaultFloat, Device device = Device{});
Tensor ones(const DimVec& shape, DType dtype = kDefaultFloat, Device device = Device{});
Tensor full(const DimVec& shape, Scalar value, std::optional<DType> dtype = std::nullopt,
            Device device = Device{});
Tensor zeros_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
Tensor ones_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
Tensor full_like(const Tensor& t, Scalar value, std::optional<DType> dtype = std::nullopt);
Tensor empty_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
// [start, end) with `step`; dtype defaults to int64 when all arguments are integers, else float32.
Tensor arange(Scalar end);
Tensor arange(Scalar start, Scalar end, Scalar step = 1, std::optional<DType> dtype = std::nullopt,
              Device device = Device{});
Tensor linspace(double start, double end, int64_t steps, DType dtype = kDefaultFloat,
                Device device = Device{});
Tensor eye(int64_t n, std::optional<int64_t> m = std::nullopt, DType dtype = kDefaultFloat,
           Device device = Device{});
// Uniform [0, 1), standard normal, and integers in [low, high), drawn from `gen`
// (the default generator when null).
Tensor rand(const DimVec& shape, Generator* gen = nullptr, DType dtype = kDefaultFloat,
            Device device = Device{});
Tensor randn(const DimVec& shape, Generator* gen = nullptr, DType dtype = kDefaultFloat,
             Device device = Device{});
Tensor randint(int64_t low, int64_t high, const DimVec& shape, Generator* gen = nullptr,
               DType dtype = kInt64, Device device = Device{});
Tensor randperm(int64_t n, Generator* gen = nullptr, Device device = Device{});
// Copies the values into a new CPU tensor (then to `device`).
template <class T>
Tensor from_vector(const std::vector<T>& values, std::optional<DimVec> shape = std::nullopt,
                   Device device = Device{});
Tensor tensor(std::initializer_list<double> values, DType dtype = kDefaultFloat);
// Wraps external CPU memory without copying; `deleter` (may be empty) runs when the last view dies.
Tensor from_blob(void* data, const DimVec& shape, DType dtype,
                 Storage::Deleter deleter = nullptr, std::optional<DimVec> strides = std::nullopt);
Tensor scalar_tensor(Scalar value, DType dtype = kDefaultFloat, Device device = Device{});

// ---- elementwise unary (autograd/functions/elementwise.cpp) -----------------------------------
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);                 // 1 / sqrt(x)
Tensor abs(const Tensor& x);
Tensor sign(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);               // 1 / (1 + exp(-x))
Tensor relu(const Tensor& x);                  // max(x, 0)
Tensor gelu(const Tensor& x);                  // x * Phi(x), exact (erf) form
Tensor erf(const Tensor& x);                   // 2/sqrt(pi) * integral_0^x exp(-t^2) dt
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0);  // log(1+exp(bx))/b
Tensor clamp(const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max);
Tensor logical_not(const Tensor& x);

// ---- elementwise binary (broadcasting) ---------------------------------------------------------
Tensor add(const Tensor& a, const Tensor& b, Scalar alpha = 1);  // a + alpha * b
Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha = 1);  // a - alpha * b
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);                    // true division (ints -> float)
Tensor pow(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, Scalar b);
Tensor pow(Scalar a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
Tensor logical_xor(const Tensor& a, const Tensor& b);
// cond ? a : b, all three broadcast together; cond must be bool.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& cond, const Tensor& a, Scalar b);
Tensor where(const Tensor& cond, Scalar a, const Tensor& b);

// Scalar forms of the binary ops.
Tensor add(const Tensor& a, Scalar b);
Tensor sub(const Tensor& a, Scalar b);
Tensor mul(const Tensor& a, Scalar b);
Tensor div(const Tensor& a, Scalar b);
Tensor eq(const Tensor& a, Scalar b);
Tensor ne(const Tensor& a, Scalar b);
Tensor lt(const Tensor& a, Scalar b);
Tensor le(const Tensor& a, Scalar b);
Tensor gt(const Tensor& a, Scalar b);
Tensor ge(const Tensor& a, Scalar b);

// True when both have the same shape, dtype and values (NaNs compare unequal).
bool equal(const Tensor& a, const Tensor& b);
// |a - b| <= atol + rtol * |b| elementwise, after broadcasting.
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8);

// ---- reductions (autograd/functions/reduction.cpp). Empty `dims` means all dims. ---------------
Tensor sum(const Tensor& x, const DimVec& dims = {}, bool keepdim = false,
           std::optional<DType> dtype = std::nullopt);
Tensor mean(const Tensor& x, const DimVec& dims = {}, bool keepdim = false);
Tensor prod(const Tensor& x, const DimVec& dims = {}, bool keepdim = false);
// Variance with Bessel's correction by default (correction = 1), like torch.var.
Tensor var(const Tensor& x, const DimVec& dims = {}, int64_t correction = 1, bool keepdim = false);
Tensor std(const Tensor& x, const DimVec& dims = {}, int64_t correction = 1, bool keepdim = false);
Tensor amax(const Tensor& x, const DimVec& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, const DimVec& dims = {}, bool keepdim = false);
// (values, indices) along one dim; ties resolve to the first occurrence.
std::tuple<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim = false);
std::tuple<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor max(const Tensor& x);  // over all elements
Tensor min(const Tensor& x);
Tensor argmax(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
// p-norm: (sum |x|^p)^(1/p); p = inf gives max |x|.
Tensor norm(const Tensor& x, double p = 2.0, const DimVec& dims = {}, bool keepdim = false);
// log(sum(exp(x))) computed stably (shifted by the max).
Tensor logsumexp(const Tensor& x, const DimVec& dims, bool keepdim = false);

// ---- linear algebra (autograd/functions/linalg.cpp) --------------------------------------------
// torch.matmul semantics: 1-D.1-D dot, 2-D mm, batched with broadcasting of batch dims.
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);      // [N, K] x [K, M] -> [N, M]
Tensor bmm(const Tensor& a, const Tensor& b);     // [B, N, K] x [B, K, M] -> [B, N, M]
// beta * bias + alpha * (a @ b); bias broadcasts to [N, M].
Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b, Scalar beta = 1,
             Scalar alpha = 1);
Tensor outer(const Tensor& a, const Tensor& b);   // [N] x [M] -> [N, M]
Tensor dot(const Tensor& a, const Tensor& b);     // [N] . [N] -> []
// Solves a x = b for symmetric positive-definite a [..., K, K], b [..., K] or [..., K, M]
// (batched Cholesky). Not differentiable. Throws if some a is not positive definite.
Tensor cholesky_solve_spd(const Tensor& a, const Tensor& b);

// ---- indexing (autograd/functions/indexing.cpp). Index tensors are int64. ----------------------
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// Returns a copy of x with src values written (or added) at index along dim.
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, Scalar value);
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
// Returns a copy of x with alpha * src's slices added at rows `index` of dim.
Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src,
                 Scalar alpha = 1);
Tensor masked_fill(const Tensor& x, const Tensor& mask, Scalar value);
// Treats x as 1-D and picks the elements at `index` (result has index's shape).
Tensor take(const Tensor& x, const Tensor& index);
// Rows of `weight` [V, D] at `indices` (any shape) -> [..., D].
Tensor embedding(const Tensor& weight, const Tensor& indices);
// Same lookup; with sparse_grad the weight's gradient is a sparse-rows tensor (tensor/sparse.h).
Tensor embedding(const Tensor& weight, const Tensor& indices, bool sparse_grad);
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim = 0);
// k largest (or smallest) along dim, sorted; ties keep the lower index first.
std::tuple<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim = -1, bool largest = true,
                                bool sorted = true);
// Stable sort along dim.
std::tuple<Tensor, Tensor> sort(const Tensor& x, int64_t dim = -1, bool descending = false);
Tensor argsort(const Tensor& x, int64_t dim = -1, bool descending = false);

// ---- neural-network functions (autograd/functions/nn_ops.cpp) ----------------------------------
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);
// int64 class indices [...] -> int64 one-hot [..., num_classes]; num_classes < 0 infers max + 1.
Tensor one_hot(const Tensor& indices, int64_t num_classes = -1);
// Zeroes elements with probability p and scales the rest by 1/(1-p) when `train`.
Tensor dropout(const Tensor& x, double p, bool train = true, Generator* gen = nullptr);

// ---- C++ operators -----------------------------------------------------------------------------
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator+(const Tensor& a, Scalar b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, Scalar b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, Scalar b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, Scalar b) { return div(a, b); }
Tensor operator+(Scalar a, const Tensor& b);
Tensor operator-(Scalar a, const Tensor& b);
Tensor operator*(Scalar a, const Tensor& b);
Tensor operator/(Scalar a, const Tensor& b);
inline Tensor operator-(const Tensor& a) { return neg(a); }
inline Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
inline Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
inline Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
inline Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
inline Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
inline Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
inline Tensor operator==(const Tensor& a, Scalar b) { return eq(a, b); }
inline Tensor operator!=(const Tensor& a, Scalar b) { return ne(a, b); }
inline Tensor operator<(const Tensor& a, Scalar b) { return lt(a, b); }
inline Tensor operator<=(const Tensor& a, Scalar b) { return le(a, b); }
inline Tensor operator>(const Tensor& a, Scalar b) { return gt(a, b); }
inline Tensor operator>=(const Tensor& a, Scalar b) { return ge(a, b); }
inline Tensor operator&(const Tensor& a, const Tensor& b) { return logical_and(a, b); }
inline Tensor operator|(const Tensor& a, const Tensor& b) { return logical_or(a, b); }
inline Tensor operator^(const Tensor& a, const Tensor& b) { return logical_xor(a, b); }
inline Tensor operator~(const Tensor& a) { return logical_not(a); }

}  // namespace tg
