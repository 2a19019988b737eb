// bench/bench_recsys_data.cpp — MovieLens loading speed (recsys/data).
//
// Run: build/bin/bench_recsys_data [--benchmark_filter=REGEX]
// The first run writes a synthetic ml-25m-sized CSV dataset (162541 users, 59047 items, 25M
// ratings, ~650 MB) into $TG_BENCH_DATA or /tmp/tapegrad-bench-csv25m and reuses it afterwards.
// bytes_per_second counts the bytes of the files parsed (ratings.csv + movies.csv); the target is
// >= 200 MB/s for load_dataset on one core, including dense re-indexing.
// Also: ML-100K (u.data + metadata) from $TG_DATA_DIR when set.
#include <benchmark/benchmark.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include <tapegrad/recsys/data/dataset.h>

namespace {

int64_t file_size(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

const std::string& csv25m_dir() {
  static const std::string dir = [] {
    const char* env = std::getenv("TG_BENCH_DATA");
    std::string d = env && *env ? env : "/tmp/tapegrad-bench-csv25m";
    if (file_size(d + "/SYNTHETIC") == 0 || file_size(d + "/ratings.csv") == 0)
      tg::recsys::write_synthetic(d, 162541, 59047, 25000000, 25, "csv");
    return d;
  }();
  return dir;
}

void load(benchmark::State& state, const std::string& dir, int64_t bytes) {
  int64_t rows = 0;
  for (auto _ : state) {
    tg::recsys::Dataset ds = tg::recsys::load_dataset(dir);
    rows = static_cast<int64_t>(ds.ratings.size());
    benchmark::DoNotOptimize(ds.ratings.user.data());
  }
  state.SetBytesProcessed(bytes * state.iterations());
  state.SetItemsProcessed(rows * state.iterations());
  state.counters["ratings"] = static_cast<double>(rows);
}

void BM_LoadCsv25M(benchmark::State& state) {
  const std::string& dir = csv25m_dir();
  load(state, dir, file_size(dir + "/ratings.csv") + file_size(dir + "/movies.csv"));
}
BENCHMARK(BM_LoadCsv25M)->Name("recsys_load/csv25m")->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

void BM_LoadMl100k(benchmark::State& state) {
  const char* env = std::getenv("TG_DATA_DIR");
  std::string dir = env && *env ? env : "/work/shared/data/ml-100k";
  if (file_size(dir + "/u.data") == 0) {
    state.SkipWithError("ML-100K absent (set TG_DATA_DIR)");
    return;
  }
  int64_t bytes = 0;
  for (const char* f : {"u.data", "u.item", "u.user", "u.genre", "u.occupation"})
    bytes += file_size(dir + "/" + f);
  load(state, dir, bytes);
}
BENCHMARK(BM_LoadMl100k)->Name("recsys_load/ml-100k")->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
