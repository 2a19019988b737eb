// tests/test_loader_memory.cpp — the streaming ratings reader: chunk boundaries change nothing,
// runaway lines are cut short, and loading needs little more memory than the parsed columns.
//
// The memory check resets the peak-RSS counter (/proc/self/clear_refs "5", Linux >= 4.0) and
// compares its growth over load_dataset with the columns' size (user, item, timestamp int64 +
// rating float32 = 28 bytes a rating). It runs on 1M generated ratings (~23 MB of CSV, well
// under a second) and is skipped under sanitizers, whose allocators distort RSS. To measure a
// big file instead: TG_LOADER_MEMORY_DIR=/tmp/ml25 tapegrad_tests -tc='*peak memory*' -s
// (e.g. after `tapegrad-recsys synth --format csv --users 162541 --items 59047 --ratings 25000000`).
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <tapegrad/recsys/data/dataset.h>
#include <tapegrad/tensor/error.h>

#include "../recsys/data/loaders.h"

#include "temp_dir.h"

namespace fs = std::filesystem;
using namespace tg::recsys;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TG_UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define TG_UNDER_SANITIZER 1
#endif
#endif

namespace {

// A fresh temporary folder, removed with the object.
using tg_test::error_of;

struct TempDir : tg_test::TempDir {
  TempDir() : tg_test::TempDir("tg_loader_mem") {}
};


// The helpers below are unused under sanitizers (the measurements are skipped there), hence
// [[maybe_unused]]: -Werror builds them in the ASan CI step too.
// "VmRSS:" / "VmHWM:" from /proc/self/status, in bytes (-1 when unavailable).
[[maybe_unused]] long long status_bytes(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string k = key;
  while (std::getline(in, line))
    if (line.compare(0, k.size(), k) == 0) return std::atoll(line.c_str() + k.size()) * 1024;
  return -1;
}

[[maybe_unused]] bool reset_peak_rss() {
  std::ofstream f("/proc/self/clear_refs");
  f << "5";
  f.flush();
  return static_cast<bool>(f);
}

// ratings.csv in the ml-latest layout: n ratings of ~6k users on ~4k items (lines like
// "4711,1234,3.5,1500000123"), written directly (fast; no model behind the values).
[[maybe_unused]] void write_ratings_csv(const std::string& path, int64_t n) {
  std::string s = "userId,movieId,rating,timestamp\n";
  s.reserve(static_cast<size_t>(n) * 24 + 64);
  uint64_t x = 88172645463325252ull;
  char line[64];
  for (int64_t k = 0; k < n; ++k) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    int len = std::snprintf(line, sizeof line, "%lld,%llu,%llu.%c,%llu\n",
                            static_cast<long long>(1 + k / 167), static_cast<unsigned long long>(1 + x % 4000),
                            static_cast<unsigned long long>(1 + (x >> 20) % 5), (x >> 30) % 2 ? '5' : '0',
                            static_cast<unsigned long long>(1500000000 + (x >> 40) % 100000000));
    s.append(line, static_cast<size_t>(len));
  }
  std::ofstream(path, std::ios::binary) << s;
}

}  // namespace

TEST_CASE("recsys load: chunk boundaries do not change what a ratings file gives") {
  TempDir d;
  std::string text = "\xEF\xBB\xBF" "userId,movieId,rating,timestamp\r\n";
  for (int k = 0; k < 300; ++k) {
    text += std::to_string(k % 17) + "," + std::to_string(k * 7 % 31) + "," +
            std::to_string(k % 5) + ".5," + std::to_string(1000 + k) + (k % 3 ? "\n" : "\r\n");
    if (k % 50 == 7) text += "\n  \n";  // blank lines count in line numbers
  }
  d.write("ratings.csv", text);
  Dataset whole = load_dataset(d.path);
  REQUIRE(whole.ratings.size() == 300);
  for (size_t chunk : {1, 2, 3, 7, 31, 64, 1000}) {
    CAPTURE(chunk);
    detail::set_rating_chunk_bytes_for_testing(chunk);
    Dataset ds = load_dataset(d.path);
    CHECK(ds.ratings.user == whole.ratings.user);
    CHECK(ds.ratings.item == whole.ratings.item);
    CHECK(ds.ratings.rating == whole.ratings.rating);
    CHECK(ds.ratings.timestamp == whole.ratings.timestamp);
  }
  // Error line numbers too: after the header, 300 ratings and 6 x 2 blank lines, it is line 314.
  d.write("ratings.csv", text + "1,2,x,4\n");
  for (size_t chunk : {0, 5, 64}) {
    CAPTURE(chunk);
    detail::set_rating_chunk_bytes_for_testing(chunk);
    CHECK(error_of([&] { load_dataset(d.path); }).find("ratings.csv:314: rating 'x' is not a number") !=
          std::string::npos);
  }
  detail::set_rating_chunk_bytes_for_testing(0);
}

TEST_CASE("recsys load: a ratings line longer than 1 MiB is an error naming its line") {
  TempDir d;
  const std::string long_line(detail::kMaxLineBytes + 1, '1');
  for (size_t chunk : {0, 4096}) {
    CAPTURE(chunk);
    detail::set_rating_chunk_bytes_for_testing(chunk);
    d.write("u.data", "1\t2\t3\t4\n\n" + long_line + "\n1\t2\t3\t4\n");
    CHECK(error_of([&] { load_dataset(d.path); }).find("u.data:3: line is longer than 1048576 bytes") !=
          std::string::npos);
    d.write("u.data", "1\t2\t3\t4\n" + long_line);  // the last line, without a line break
    CHECK(error_of([&] { load_dataset(d.path); }).find("u.data:2: line is longer") != std::string::npos);
    LoadOptions skip;
    skip.skip_bad_lines = true;  // not a bad line to skip: the file is not a ratings file
    CHECK(error_of([&] { load_dataset(d.path, skip); }).find("u.data:2: line is longer") != std::string::npos);
    // Exactly the limit is fine (it then fails as a line, not for its length).
    d.write("u.data", "1\t2\t3\t4\n" + long_line.substr(1) + "\n");
    CHECK(error_of([&] { load_dataset(d.path); }).find("u.data:2: expected 4 fields") != std::string::npos);
  }
  detail::set_rating_chunk_bytes_for_testing(0);
}

TEST_CASE("recsys load: peak memory of loading ratings stays under 2x the parsed columns") {
#ifdef TG_UNDER_SANITIZER
  MESSAGE("skipped: sanitizer allocators distort RSS");
  return;
#else
  if (!reset_peak_rss() || status_bytes("VmHWM:") < 0) {
    MESSAGE("skipped: /proc/self/clear_refs or VmHWM is not available");
    return;
  }
  TempDir d;
  std::string dir = d.path;
  if (const char* big = std::getenv("TG_LOADER_MEMORY_DIR"); big && *big) dir = big;
  else write_ratings_csv(d.path + "/ratings.csv", 1000000);
  reset_peak_rss();
  const long long before = status_bytes("VmRSS:");
  auto t0 = std::chrono::steady_clock::now();
  Dataset ds = load_dataset(dir);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const long long peak = status_bytes("VmHWM:");
  const double columns = 28.0 * static_cast<double>(ds.ratings.size());
  const double ratio = static_cast<double>(peak - before) / columns;
  MESSAGE(ds.ratings.size() << " ratings in " << secs << " s: columns " << columns / 1e6
                            << " MB, peak RSS growth " << static_cast<double>(peak - before) / 1e6
                            << " MB (ratio " << ratio << ")");
  CHECK(ratio < 2.0);
#endif
}

TEST_CASE("recsys load: a few huge raw ids do not cost tables sized by the largest id") {
  // Before: one rating with user id 2^26 - 1 made load_dataset fill a 256 MB lookup table, and
  // IdMap a 64 MB one for an id just under 2^24 (found by fuzz_grouplens_100k as a timeout).
  IdMap m;
  const std::vector<int64_t> raws = {5, (int64_t{1} << 24) - 1, 0, 4096 * 17, 6, int64_t{1} << 40, -3, 7};
  for (size_t k = 0; k < raws.size(); ++k) CHECK(m.add(raws[k]) == static_cast<int64_t>(k));
  for (size_t k = 0; k < raws.size(); ++k) {
    CHECK(m.add(raws[k]) == static_cast<int64_t>(k));  // adding again finds it
    CHECK(m.find(raws[k]).value() == static_cast<int64_t>(k));
    CHECK(m.raw(static_cast<int64_t>(k)) == raws[k]);
  }
  CHECK_FALSE(m.find(8).has_value());
  CHECK_FALSE(m.find((int64_t{1} << 24) - 2).has_value());
  CHECK(m.size() == static_cast<int64_t>(raws.size()));
  // Dense ids stay in the direct table as it grows past its first bound.
  IdMap dense;
  bool all_dense = true;
  for (int64_t v = 0; v < 100000; ++v) all_dense = all_dense && dense.add(v * 3) == v;
  CHECK(all_dense);
  CHECK(dense.find(3 * 99999).value() == 99999);

  TempDir d;
  d.write("u.data", "67108863\t16777215\t4\t1\n1\t2\t3\t4\n");
#ifndef TG_UNDER_SANITIZER
  const bool measure = reset_peak_rss();
  const long long before = status_bytes("VmRSS:");
#endif
  Dataset ds = load_dataset(d.path);
  CHECK(ds.users.raw(1) == 67108863);
  CHECK(ds.items.raw(1) == 16777215);
  CHECK(ds.ratings.user == std::vector<int64_t>{1, 0});
#ifndef TG_UNDER_SANITIZER
  if (measure) CHECK(status_bytes("VmHWM:") - before < 16LL * 1024 * 1024);
#endif
}

TEST_CASE("recsys load: a metadata file over 256 MiB is refused before it is read") {
  TempDir d;  // sparse: the test writes a few bytes, not 1 GiB
  d.write("u.data", "1\t2\t3\t4\n");
  d.write("u.item", "2|A (1995)|01-Jan-1995||u|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|1\n");
  fs::resize_file(d.path + "/u.item", uintmax_t{1} << 30);
  auto t0 = std::chrono::steady_clock::now();
  CHECK(error_of([&] { load_dataset(d.path); }).find("u.item: 1073741824 bytes is more than a metadata file may have") !=
        std::string::npos);
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 5.0);
}
