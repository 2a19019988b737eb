// tests/fuzz/dataset_check.h — the body shared by the four MovieLens loader targets: write the
// input's files into the scratch folder, load it strictly and with skip_bad_lines, and check what
// a successful load promises (dense ids in range, metadata sized to match).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <tapegrad/recsys/data/dataset.h>
#include <tapegrad/tensor/error.h>

#include "fuzz_util.h"

namespace tg::fuzz {

// A broken promise is a bug: abort so libFuzzer (or the replay) reports it with the input.
#define TG_FUZZ_REQUIRE(cond)                                                      \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      std::fprintf(stderr, "fuzz: invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                \
    }                                                                              \
  } while (0)

// Only tg::Error may escape a parser; TG_INTERNAL_ASSERT failures (also tg::Error) are bugs.
inline void expect_clean_error(const tg::Error& e) {
  std::string_view msg = e.what();
  if (msg.rfind("tapegrad internal error at ", 0) == 0) {
    std::fprintf(stderr, "fuzz: internal error: %s\n", e.what());
    std::abort();
  }
}

inline void check_dataset(const recsys::Dataset& ds) {
  const auto& r = ds.ratings;
  TG_FUZZ_REQUIRE(r.item.size() == r.size() && r.rating.size() == r.size() &&
                  r.timestamp.size() == r.size());
  TG_FUZZ_REQUIRE(!r.empty());
  TG_FUZZ_REQUIRE(static_cast<int64_t>(ds.item_info.size()) == ds.num_items());
  TG_FUZZ_REQUIRE(ds.user_info.empty() || static_cast<int64_t>(ds.user_info.size()) == ds.num_users());
  for (size_t k = 0; k < r.size(); ++k) {
    TG_FUZZ_REQUIRE(r.user[k] >= 0 && r.user[k] < ds.num_users());
    TG_FUZZ_REQUIRE(r.item[k] >= 0 && r.item[k] < ds.num_items());
    TG_FUZZ_REQUIRE(r.rating[k] >= 0 && r.rating[k] <= 10);
  }
  for (const auto& info : ds.item_info)
    for (int32_t g : info.genres)
      TG_FUZZ_REQUIRE(g >= 0 && static_cast<size_t>(g) < ds.genre_names.size());
  TG_FUZZ_REQUIRE(ds.min_rating <= ds.max_rating);
}

// Loads the folder twice (strict, then skipping bad lines); `after` runs on each loaded dataset.
template <class After>
void load_both_ways(const std::string& dir, After&& after) {
  for (bool skip : {false, true}) {
    try {
      recsys::LoadOptions o;
      o.skip_bad_lines = skip;
      recsys::Dataset ds = recsys::load_dataset(dir, o);
      check_dataset(ds);
      after(ds);
    } catch (const tg::Error& e) {
      expect_clean_error(e);
    }
  }
}

inline void load_both_ways(const std::string& dir) {
  load_both_ways(dir, [](const recsys::Dataset&) {});
}

}  // namespace tg::fuzz
