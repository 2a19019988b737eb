// kernels/cuda/sort.cu — row sorting (sort, topk, argsort), the stable key sort behind the
// deterministic index_add, and the coalescing of sparse-rows gradients, with CUB.
//
// sort_rows maps each value to an unsigned key whose order is the CPU comparator's total order
// (NaN largest, -0.0 equal to +0.0; descending flips every bit), then runs two stable radix sorts
// over the whole [rows, n] buffer: by key, then by row. The result is each row sorted by key with
// ties in index order — exactly the CPU's order — without a segmented sort. Three CUB
// instantiations (radix sort with 32- and 64-bit keys and an int64 payload; an int64 scan) keep
// nvcc time down.
#include <algorithm>
#include <cstring>
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_scan.cuh>

#include "common.cuh"
#include "cuda_kernels.h"

namespace tg::kernels::cuda {
namespace {

template <class T>
struct KeyOf {
  using type = uint64_t;
};
template <>
struct KeyOf<float> {
  using type = uint32_t;
};
template <>
struct KeyOf<bool> {
  using type = uint32_t;
};

template <class T>
__device__ __forceinline__ typename KeyOf<T>::type ordered_key(T v) {
  using K = typename KeyOf<T>::type;
  if constexpr (std::is_same_v<T, bool>) {
    return v ? 1u : 0u;
  } else if constexpr (std::is_same_v<T, int64_t>) {
    return static_cast<uint64_t>(v) ^ (uint64_t{1} << 63);
  } else {
    constexpr K kSign = K{1} << (sizeof(K) * 8 - 1);
    if (v != v) return ~K{0};  // NaN: the largest key
    if (v == T(0)) v = T(0);   // -0.0 ties with +0.0
    K bits;
    memcpy(&bits, &v, sizeof(K));
    return (bits & kSign) ? ~bits : (bits | kSign);
  }
}

template <class T>
__global__ void make_keys_kernel(const T* x, typename KeyOf<T>::type* keys, int64_t* pos, int64_t n,
                                 bool descending) {
  TG_GRID_STRIDE(i, n) {
    const auto k = ordered_key(x[i]);
    keys[i] = descending ? ~k : k;
    pos[i] = i;
  }
}

__global__ void row_keys_kernel(const int64_t* pos, uint32_t* row, int64_t total, int64_t n) {
  TG_GRID_STRIDE(i, total) { row[i] = static_cast<uint32_t>(pos[i] / n); }
}

template <class T>
__global__ void take_first_k_kernel(const T* x, const int64_t* pos, T* values, int64_t* indices,
                                    int64_t rows, int64_t n, int64_t k) {
  TG_GRID_STRIDE(t, rows * k) {
    const int64_t r = t / k, j = t % k;
    const int64_t p = pos[r * n + j];
    values[t] = x[p];
    indices[t] = p - r * n;
  }
}

__global__ void iota_kernel(const int64_t* keys_in, uint64_t* keys, int64_t* pos, int64_t n) {
  TG_GRID_STRIDE(i, n) {
    keys[i] = static_cast<uint64_t>(keys_in[i]);
    pos[i] = i;
  }
}

int bits_for(uint64_t max_value) {
  int b = 1;
  while (b < 64 && (max_value >> b) != 0) ++b;
  return b;
}

// Stable radix sort of (key, payload) pairs over [0, end_bit) of the key.
template <class K>
void radix_sort_pairs(const K* keys_in, K* keys_out, const int64_t* vals_in, int64_t* vals_out,
                      int64_t n, int end_bit, int device) {
  size_t temp_bytes = 0;
  TG_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, temp_bytes, keys_in, keys_out, vals_in,
                                                vals_out, n, 0, end_bit, stream()));
  DeviceBuffer temp(device, std::max<size_t>(temp_bytes, 1));  // null would mean "query size"
  TG_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(temp.get(), temp_bytes, keys_in, keys_out, vals_in,
                                                vals_out, n, 0, end_bit, stream()));
}

// flag[j] = 1 where sorted keys start a run of equal keys.
__global__ void run_start_kernel(const int64_t* keys, int64_t* flag, int64_t n) {
  TG_GRID_STRIDE(j, n) { flag[j] = (j == 0 || keys[j] != keys[j - 1]) ? 1 : 0; }
}

// The key of each run of equal sorted keys, at the run's number run[j] (1-based).
__global__ void run_keys_kernel(const int64_t* keys, const int64_t* flag, const int64_t* run,
                                int64_t* rows_out, int64_t n) {
  TG_GRID_STRIDE(j, n) {
    if (flag[j]) rows_out[run[j] - 1] = keys[j];
  }
}

// Thread (j, c) with j starting a run: column c of the run's rows summed in original order.
template <class T>
__global__ void run_sums_kernel(const int64_t* keys, const int64_t* perm, const int64_t* flag,
                                const int64_t* run, const T* values, T* values_out, int64_t n,
                                int64_t d) {
  TG_GRID_STRIDE(t, n * d) {
    const int64_t j = t / d, c = t % d;
    if (!flag[j]) continue;
    const int64_t key = keys[j];
    T acc = T(0);
    for (int64_t q = j; q < n && keys[q] == key; ++q) {
      const T v = values[perm[q] * d + c];
      if constexpr (std::is_same_v<T, bool>) acc = acc || v;
      else acc = acc + v;
    }
    values_out[(run[j] - 1) * d + c] = acc;
  }
}

}  // namespace

void coalesce_rows(const Tensor& indices_in, const Tensor& values_in, int64_t num_rows,
                   Tensor& rows_out, Tensor& values_out) {
  const Tensor indices = indices_in.contiguous(), values = values_in.contiguous();
  const Device dev = values.device();
  const int device = dev.index;
  const int64_t n = indices.numel();
  DimVec vshape = values.sizes();
  if (n == 0) {
    rows_out = empty({0}, kInt64, dev);
    values_out = empty(vshape, values.dtype(), dev);
    return;
  }
  const int64_t d = values.numel() / n;
  DeviceBuffer keys(device, static_cast<size_t>(n) * sizeof(int64_t));
  DeviceBuffer perm(device, static_cast<size_t>(n) * sizeof(int64_t));
  stable_argsort_keys(ptr<int64_t>(indices), n, num_rows, keys.get<int64_t>(),
                      perm.get<int64_t>(), device);
  DeviceBuffer flag(device, static_cast<size_t>(n) * sizeof(int64_t));
  DeviceBuffer run(device, static_cast<size_t>(n) * sizeof(int64_t));
  run_start_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(keys.get<int64_t>(),
                                                             flag.get<int64_t>(), n);
  TG_CUDA_CHECK_LAUNCH();
  size_t temp_bytes = 0;
  TG_CUDA_CHECK(cub::DeviceScan::InclusiveSum(nullptr, temp_bytes, flag.get<int64_t>(),
                                              run.get<int64_t>(), n, stream()));
  {
    DeviceBuffer temp(device, std::max<size_t>(temp_bytes, 1));
    TG_CUDA_CHECK(cub::DeviceScan::InclusiveSum(temp.get(), temp_bytes, flag.get<int64_t>(),
                                                run.get<int64_t>(), n, stream()));
  }
  int64_t unique = 0;  // the outputs' size: the one value that has to come back to the host
  copy_to_host(device, &unique, run.get<int64_t>() + (n - 1), sizeof(int64_t));
  vshape[0] = unique;
  rows_out = empty({unique}, kInt64, dev);
  values_out = empty(vshape, values.dtype(), dev);
  run_keys_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(
      keys.get<int64_t>(), flag.get<int64_t>(), run.get<int64_t>(), ptr<int64_t>(rows_out), n);
  TG_CUDA_CHECK_LAUNCH();
  if (n * d == 0) return;
  dispatch(values.dtype(), "coalesce", [&]<class T>() {
    run_sums_kernel<T><<<blocks_for(n * d), kThreads, 0, stream()>>>(
        keys.get<int64_t>(), perm.get<int64_t>(), flag.get<int64_t>(), run.get<int64_t>(),
        ptr<T>(values), ptr<T>(values_out), n, d);
  });
  TG_CUDA_CHECK_LAUNCH();
}

void stable_argsort_keys(const int64_t* keys, int64_t n, int64_t key_bound, int64_t* sorted_keys,
                         int64_t* perm, int device) {
  if (n == 0) return;
  DeviceBuffer k_in(device, static_cast<size_t>(n) * sizeof(uint64_t));
  DeviceBuffer pos(device, static_cast<size_t>(n) * sizeof(int64_t));
  iota_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(keys, k_in.get<uint64_t>(),
                                                        pos.get<int64_t>(), n);
  TG_CUDA_CHECK_LAUNCH();
  const int end_bit = bits_for(static_cast<uint64_t>(key_bound > 0 ? key_bound - 1 : 0));
  radix_sort_pairs<uint64_t>(k_in.get<uint64_t>(), reinterpret_cast<uint64_t*>(sorted_keys),
                             pos.get<int64_t>(), perm, n, end_bit, device);
}

void sort_rows(const Tensor& x, bool descending, int64_t k, const Tensor& values,
               const Tensor& indices) {
  TG_INTERNAL_ASSERT(x.is_contiguous() && values.is_contiguous() && indices.is_contiguous());
  const int64_t n = x.dim() ? x.size(-1) : 1;
  const int64_t rows = n ? x.numel() / n : 0;
  const int64_t total = rows * n;
  if (total == 0 || k == 0) return;
  TG_CHECK(rows <= int64_t{UINT32_MAX}, "sort: at most 2^32 rows are supported on CUDA, got ",
           rows);
  const int device = x.device().index;
  dispatch(x.dtype(), "sort", [&]<class T>() {
    using K = typename KeyOf<T>::type;
    DeviceBuffer keys(device, static_cast<size_t>(total) * sizeof(K));
    DeviceBuffer keys_sorted(device, static_cast<size_t>(total) * sizeof(K));
    DeviceBuffer pos(device, static_cast<size_t>(total) * sizeof(int64_t));
    DeviceBuffer pos_sorted(device, static_cast<size_t>(total) * sizeof(int64_t));
    make_keys_kernel<T><<<blocks_for(total), kThreads, 0, stream()>>>(
        ptr<T>(x), keys.get<K>(), pos.get<int64_t>(), total, descending);
    TG_CUDA_CHECK_LAUNCH();
    radix_sort_pairs<K>(keys.get<K>(), keys_sorted.get<K>(), pos.get<int64_t>(),
                        pos_sorted.get<int64_t>(), total, static_cast<int>(sizeof(K) * 8), device);
    const int64_t* order = pos_sorted.get<int64_t>();
    if (rows > 1) {  // regroup by row; stability keeps each row's value order
      DeviceBuffer row(device, static_cast<size_t>(total) * sizeof(uint32_t));
      DeviceBuffer row_sorted(device, static_cast<size_t>(total) * sizeof(uint32_t));
      row_keys_kernel<<<blocks_for(total), kThreads, 0, stream()>>>(order, row.get<uint32_t>(),
                                                                    total, n);
      TG_CUDA_CHECK_LAUNCH();
      radix_sort_pairs<uint32_t>(row.get<uint32_t>(), row_sorted.get<uint32_t>(), order,
                                 pos.get<int64_t>(), total,
                                 bits_for(static_cast<uint64_t>(rows - 1)), device);
      order = pos.get<int64_t>();
    }
    take_first_k_kernel<T><<<blocks_for(rows * k), kThreads, 0, stream()>>>(
        ptr<T>(x), order, ptr<T>(values), ptr<int64_t>(indices), rows, n, k);
    TG_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace tg::kernels::cuda
