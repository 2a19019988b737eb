// recsys/data/features.h — side features for Wide & Deep as dense categorical ids.
//
// Id 0 of every user feature means "unknown" (no user file, empty or unparsable field), so a model
// can always look it up. Buckets:
//   age_bucket  1: <18, 2: 18-24, 3: 25-34, 4: 35-44, 5: 45-49, 6: 50-55, 7: 56+   (n_age = 8)
//   gender      1: M, 2: F                                                       (n_gender = 3)
//   occupation  1 + index into Dataset::occupation_names          (n_occupation = 1 + #names)
//   zip_prefix  1 + the first two digits of the zip code (0..99)                  (n_zip = 101)
//   year_bucket 0 unknown, 1: <1925, then 5-year bins 1925-29 ... , 22: 2025+     (n_year = 23)
// Without a user file every user feature is 0 and every n_* is 1.
#pragma once

#include <cstdint>
#include <vector>

#include "dataset.h"

namespace tg::recsys {

struct UserFeatures {
  std::vector<int64_t> age_bucket, gender, occupation, zip_prefix;  // indexed by dense user id
  int64_t n_age = 1, n_gender = 1, n_occupation = 1, n_zip = 1;
};

struct ItemFeatures {
  std::vector<std::vector<int32_t>> genres;  // per dense item; may be empty
  std::vector<int64_t> year_bucket;
  int64_t n_genres = 1, n_year = 1;  // n_genres = max(1, genre_names.size())
};

UserFeatures user_features(const Dataset& ds);
ItemFeatures item_features(const Dataset& ds);

// The bucket helpers, exposed for tests and for models that featurise new users.
int64_t age_bucket(int32_t age);
int64_t year_bucket(int32_t year);

}  // namespace tg::recsys
