// tests/fuzz/fuzz_grouplens_100k.cpp — the ml-100k loader: u.data (TAB), u.item (Latin-1 titles,
// dates, 19 genre flags), u.user, u.genre, u.occupation, and the u1 split files.
//
// Input: a container (fuzz_util.h) whose leading bytes are u.data.
#include <tapegrad/recsys/data/split.h>

#include "dataset_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tg::fuzz;
  static const std::vector<std::string> kFiles = {"u.data",  "u.item",       "u.user", "u.genre",
                                                  "u.occupation", "u1.base", "u1.test"};
  auto& scratch = Scratch::get();
  scratch.write(split_files({reinterpret_cast<const char*>(data), size}, "u.data", kFiles));
  load_both_ways(scratch.dir(), [](const tg::recsys::Dataset& ds) {
    for (const auto& name : ds.predefined_splits) {
      tg::recsys::Split s = tg::recsys::split_predefined(ds, name);
      for (const auto* part : {&s.train, &s.test})
        for (size_t k = 0; k < part->size(); ++k)
          TG_FUZZ_REQUIRE(part->user[k] < ds.num_users() && part->item[k] < ds.num_items());
    }
  });
  return 0;
}
