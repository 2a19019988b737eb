// tests/fuzz/fuzz_recbole.cpp — RecBole atomic files: typed TAB headers ("user_id:token"),
// ml.inter, ml.item (token_seq genres), ml.user.
//
// Input: a container (fuzz_util.h) whose leading bytes are ml.inter.
#include "dataset_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tg::fuzz;
  static const std::vector<std::string> kFiles = {"ml.inter", "ml.item", "ml.user"};
  auto& scratch = Scratch::get();
  scratch.write(split_files({reinterpret_cast<const char*>(data), size}, "ml.inter", kFiles));
  load_both_ways(scratch.dir());
  return 0;
}
