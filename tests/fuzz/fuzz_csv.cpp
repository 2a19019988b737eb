// tests/fuzz/fuzz_csv.cpp — the ml-latest / ml-20m / ml-25m loader: ratings.csv with its header,
// movies.csv (RFC 4180 quoting: titles with commas, "" escapes; '|'-separated genres).
//
// Input: a container (fuzz_util.h) whose leading bytes are ratings.csv.
#include "dataset_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tg::fuzz;
  static const std::vector<std::string> kFiles = {"ratings.csv", "movies.csv"};
  auto& scratch = Scratch::get();
  scratch.write(split_files({reinterpret_cast<const char*>(data), size}, "ratings.csv", kFiles));
  load_both_ways(scratch.dir());
  return 0;
}
