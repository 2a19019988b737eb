// tests/fuzz/fuzz_grouplens_dat.cpp — the ml-1m / ml-10m loader: '::'-separated ratings.dat,
// movies.dat (Latin-1 or UTF-8 titles, '|' genres) and users.dat.
//
// Input: a container (fuzz_util.h) whose leading bytes are ratings.dat.
#include "dataset_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tg::fuzz;
  static const std::vector<std::string> kFiles = {"ratings.dat", "movies.dat", "users.dat"};
  auto& scratch = Scratch::get();
  scratch.write(split_files({reinterpret_cast<const char*>(data), size}, "ratings.dat", kFiles));
  load_both_ways(scratch.dir());
  return 0;
}
