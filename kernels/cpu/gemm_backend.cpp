// kernels/cpu/gemm_backend.cpp — the GEMM backend switch and the run-time OpenBLAS loader
// (see gemm_backend.h for what and why).
#include "gemm_backend.h"
#include "gemm_packed.h"

#include <atomic>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>

#if defined(__unix__) || defined(__APPLE__)
#include <dlfcn.h>
#define TG_HAVE_DLOPEN 1
#endif

#include "tensor/error.h"
#include "tensor/ops.h"

namespace tg::kernels::cpu {
namespace {

// CBLAS's enums (cblas.h): we declare the two functions ourselves, so no BLAS header is needed.
constexpr int kCblasRowMajor = 101, kCblasNoTrans = 111, kCblasTrans = 112;
using SgemmFn = void (*)(int, int, int, int, int, int, float, const float*, int, const float*,
                         int, float, float*, int);
using DgemmFn = void (*)(int, int, int, int, int, int, double, const double*, int, const double*,
                         int, double, double*, int);

struct OpenBlas {
  SgemmFn sgemm = nullptr;
  DgemmFn dgemm = nullptr;
  std::string core;      // openblas_get_corename(): the kernels it runs
  std::string config;    // openblas_get_config(): version and build options
  std::string forced;    // the OPENBLAS_CORETYPE we set for the load ("" if none)
  std::string error;     // why it is unusable ("" when loaded)
  bool optimised = false;  // kernels of an AVX2 / AVX-512 family
};

// Sets an environment variable for one scope if it is unset, and unsets it again on exit.
class ScopedEnvDefault {
 public:
  ScopedEnvDefault(const char* name, const std::string& value) : name_(name) {
    if (!value.empty() && !std::getenv(name)) set_ = setenv(name, value.c_str(), 0) == 0;
  }
  ~ScopedEnvDefault() {
    if (set_) unsetenv(name_);
  }
  ScopedEnvDefault(const ScopedEnvDefault&) = delete;
  ScopedEnvDefault& operator=(const ScopedEnvDefault&) = delete;
  bool was_set() const { return set_; }

 private:
  const char* name_;
  bool set_ = false;
};

// The OpenBLAS core type matching this CPU's vector units ("" if neither AVX2 nor AVX-512).
std::string core_type_for_cpu() {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
  return "";
}

bool is_optimised_core(const std::string& core) {
  for (const char* name : {"haswell", "skylakex", "cooperlake", "sapphirerapids", "zen"}) {
    if (core.size() == std::strlen(name) &&
        std::equal(core.begin(), core.end(), name,
                   [](char a, char b) { return (a | 0x20) == b; }))
      return true;
  }
  return false;
}

OpenBlas load_openblas() {
  OpenBlas ob;
#ifdef TG_HAVE_DLOPEN
  const char* env_path = std::getenv("TG_OPENBLAS_LIB");
  const std::string path = env_path && *env_path ? env_path : "libopenblas.so.0";
  void* handle = nullptr;
  {
    ScopedEnvDefault core("OPENBLAS_CORETYPE", core_type_for_cpu());
    ScopedEnvDefault threads("OPENBLAS_NUM_THREADS", "1");
    if (core.was_set()) ob.forced = core_type_for_cpu();
    handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  }
  if (!handle) {
    const char* why = dlerror();
    ob.error = "cannot load " + path + ": " + (why ? why : "unknown dlopen error");
    return ob;
  }
  // Never dlclose'd: other threads may be inside a GEMM until the process exits.
  ob.sgemm = reinterpret_cast<SgemmFn>(dlsym(handle, "cblas_sgemm"));
  ob.dgemm = reinterpret_cast<DgemmFn>(dlsym(handle, "cblas_dgemm"));
  if (!ob.sgemm || !ob.dgemm) {
    ob.error = path + " has no cblas_sgemm/cblas_dgemm (not a CBLAS library)";
    ob.sgemm = nullptr;
    ob.dgemm = nullptr;
    return ob;
  }
  using NameFn = char* (*)();
  if (auto corename = reinterpret_cast<NameFn>(dlsym(handle, "openblas_get_corename")))
    ob.core = corename();
  if (auto config = reinterpret_cast<NameFn>(dlsym(handle, "openblas_get_config")))
    ob.config = config();
  if (auto set_threads = reinterpret_cast<void (*)(int)>(dlsym(handle, "openblas_set_num_threads")))
    set_threads(1);
  ob.optimised = is_optimised_core(ob.core);
  while (!ob.config.empty() && ob.config.back() == ' ') ob.config.pop_back();
#else
  ob.error = "run-time loading (dlopen) is not available on this platform";
#endif
  return ob;
}

const OpenBlas& openblas() {
  static const OpenBlas lib = load_openblas();
  return lib;
}

// -1 until resolved (TG_GEMM or set_gemm_backend), then a GemmBackend.
std::atomic<int> g_backend{-1};
std::mutex g_mutex;     // guards resolution and g_reason
std::string g_reason;   // how the backend was chosen, for tg::gemm_backend()

std::string describe_openblas(const OpenBlas& ob) {
  std::string s = ob.config.empty() ? "OpenBLAS" : ob.config;
  s += ", " + (ob.core.empty() ? std::string("unknown") : ob.core) + " kernels";
  if (!ob.forced.empty()) s += ", OPENBLAS_CORETYPE=" + ob.forced + " set for the load";
  return s;
}

// Resolves `name` (auto, tapegrad, eigen, openblas); `who` names the caller for errors. Needs
// g_mutex.
GemmBackend resolve_locked(const std::string& name, const std::string& who) {
  const bool packed = packed_gemm_kernels(false) && packed_gemm_kernels(true);
  if (name == "tapegrad") {
    TG_CHECK(packed, who, ": tapegrad's packed GEMM needs AVX2+FMA or AVX-512 (this CPU, or the ",
             "TG_CPU_ISA cap, gives '", simd::kernels().name, "'); use auto, eigen or openblas");
    g_reason = who + " chose tapegrad";
    return GemmBackend::Packed;
  }
  if (name == "eigen") {
    g_reason = who + " chose eigen";
    return GemmBackend::Eigen;
  }
  if (name == "openblas") {
    const OpenBlas& ob = openblas();
    TG_CHECK(ob.error.empty(), who, ": OpenBLAS is not usable: ", ob.error,
             " (install libopenblas0-pthread, set TG_OPENBLAS_LIB, or use eigen)");
    g_reason = who + " chose openblas: " + describe_openblas(ob);
    return GemmBackend::OpenBlas;
  }
  TG_CHECK(name == "auto", who, ": unknown GEMM backend '", name,
           "' (expected auto, tapegrad, eigen or openblas)");
  if (packed) {
    g_reason = std::string("auto: ") + packed_gemm_kernels(false)->name;
    return GemmBackend::Packed;
  }
  const OpenBlas& ob = openblas();
  if (!ob.error.empty()) {
    g_reason = "auto: " + ob.error;
    return GemmBackend::Eigen;
  }
  if (!ob.optimised) {
    g_reason = "auto: OpenBLAS runs its generic '" + ob.core +
               "' kernels on this CPU (set OPENBLAS_CORETYPE, or TG_GEMM=openblas to use them)";
    return GemmBackend::Eigen;
  }
  g_reason = "auto: " + describe_openblas(ob);
  return GemmBackend::OpenBlas;
}

template <class T, class Fn>
bool blas_gemm(Fn fn, const simd::GemmArgs& g) {
  if (!fn || g.n == 0 || g.m == 0 || g.k == 0) return false;  // Eigen handles the empty cases
  const int64_t lda_min = g.a_row_major ? g.k : g.n, ldw_min = g.w_row_major ? g.m : g.k;
  for (int64_t v : {g.n, g.m, g.k, g.lda, g.ldw, g.ldc})
    if (v > INT_MAX) return false;
  // CBLAS would reject these through xerbla (printing, not computing): let Eigen run them.
  if (g.lda < lda_min || g.ldw < ldw_min || g.ldc < g.m) return false;
  // Row-major C = A W: A [n, k] is either row-major (no transpose) or a column-major view,
  // i.e. the row-major [k, n] matrix transposed; the same for W [k, m].
  fn(kCblasRowMajor, g.a_row_major ? kCblasNoTrans : kCblasTrans,
     g.w_row_major ? kCblasNoTrans : kCblasTrans, static_cast<int>(g.n), static_cast<int>(g.m),
     static_cast<int>(g.k), static_cast<T>(g.alpha), static_cast<const T*>(g.a),
     static_cast<int>(g.lda), static_cast<const T*>(g.w), static_cast<int>(g.ldw),
     static_cast<T>(g.beta), static_cast<T*>(g.c), static_cast<int>(g.ldc));
  return true;
}

}  // namespace

GemmBackend gemm_backend_kind() {
  int b = g_backend.load(std::memory_order_acquire);
  if (b >= 0) return static_cast<GemmBackend>(b);
  std::lock_guard<std::mutex> lock(g_mutex);
  b = g_backend.load(std::memory_order_acquire);
  if (b >= 0) return static_cast<GemmBackend>(b);
  const char* env = std::getenv("TG_GEMM");
  const std::string name = env && *env ? env : "auto";
  const GemmBackend chosen = resolve_locked(name, env && *env ? "TG_GEMM=" + name : "default");
  g_backend.store(static_cast<int>(chosen), std::memory_order_release);
  return chosen;
}

bool blas_gemm_f32(const simd::GemmArgs& g) {
  return gemm_backend_kind() == GemmBackend::OpenBlas && blas_gemm<float>(openblas().sgemm, g);
}

bool blas_gemm_f64(const simd::GemmArgs& g) {
  return gemm_backend_kind() == GemmBackend::OpenBlas && blas_gemm<double>(openblas().dgemm, g);
}

}  // namespace tg::kernels::cpu

namespace tg {

void set_gemm_backend(const std::string& name) {
  using namespace kernels::cpu;
  std::lock_guard<std::mutex> lock(g_mutex);
  const GemmBackend chosen = resolve_locked(name, "set_gemm_backend");
  g_backend.store(static_cast<int>(chosen), std::memory_order_release);
}

std::string gemm_backend() {
  using namespace kernels::cpu;
  const GemmBackend b = gemm_backend_kind();
  std::lock_guard<std::mutex> lock(g_mutex);
  const std::string name = b == GemmBackend::OpenBlas ? "openblas"
                           : b == GemmBackend::Packed
                               ? std::string("tapegrad (") + packed_gemm_kernels(false)->name + ")"
                               : std::string("eigen (") + simd::kernels().name + ")";
  return name + "; " + g_reason;
}

}  // namespace tg
