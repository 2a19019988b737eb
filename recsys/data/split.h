// recsys/data/split.h — train / validation / test splits of a Dataset's ratings.
//
// Every split returns dense-id Interactions whose rows keep the dataset's order within each part;
// `valid` stays empty unless the split makes one (leave-last-out with_valid, carve_validation).
#pragma once

#include <cstdint>
#include <string>

#include "dataset.h"

namespace tg::recsys {

struct Split {
  Interactions train, valid, test;
  std::string description;  // e.g. "u1.base/u1.test", "random 20% seed 42"
};

// The GroupLens files "u1".."u5", "ua", "ub": uX.base -> train, uX.test -> test (raw ids mapped
// through ds; an id the dataset lacks is an error naming file:line).
Split split_predefined(const Dataset& ds, const std::string& name);
// A uniformly random round(n * test_ratio) rows -> test.
Split split_random(const Dataset& ds, double test_ratio, uint64_t seed);
// Per user, round(n_u * test_ratio) random rows -> test, keeping at least one train row per user.
Split split_per_user(const Dataset& ds, double test_ratio, uint64_t seed);
// Global time cut, leak-free: every train timestamp is strictly earlier than every test timestamp.
// The cut is the timestamp at quantile 1 - test_ratio; rows tied with it go to test (or, when that
// would leave train empty, all tied rows go to train), so the test share can exceed the ratio.
Split split_temporal(const Dataset& ds, double test_ratio);
// Per user: the latest rating -> test and, with_valid, the second latest -> valid (ties in time:
// the later row in the file counts as later). A user needs one more rating than that to give any:
// users with a single rating stay entirely in train.
Split split_leave_last_out(const Dataset& ds, bool with_valid);
// Moves round(n_u * ratio) random train rows of each user to valid (appended), keeping at least
// one train row per user; for early stopping and tuning without touching the test part.
void carve_validation(Split& s, double ratio, uint64_t seed);

}  // namespace tg::recsys
