// recsys/data/features.cpp — user and item side features.
#include "features.h"

#include <algorithm>

namespace tg::recsys {

int64_t age_bucket(int32_t age) {
  if (age <= 0) return 0;
  static constexpr int32_t kUpper[] = {18, 25, 35, 45, 50, 56};  // ml-1m's age groups
  int64_t b = 1;
  for (int32_t up : kUpper) {
    if (age < up) return b;
    ++b;
  }
  return b;  // 7: 56+
}

int64_t year_bucket(int32_t year) {
  if (year <= 0) return 0;
  if (year < 1925) return 1;
  return std::min<int64_t>(2 + (year - 1925) / 5, 22);
}

UserFeatures user_features(const Dataset& ds) {
  UserFeatures f;
  const size_t n = static_cast<size_t>(ds.users.size());
  f.age_bucket.assign(n, 0);
  f.gender.assign(n, 0);
  f.occupation.assign(n, 0);
  f.zip_prefix.assign(n, 0);
  if (ds.user_info.empty()) return f;
  f.n_age = 8;
  f.n_gender = 3;
  f.n_occupation = 1 + static_cast<int64_t>(ds.occupation_names.size());
  f.n_zip = 101;
  for (size_t u = 0; u < n && u < ds.user_info.size(); ++u) {
    const UserInfo& info = ds.user_info[u];
    f.age_bucket[u] = age_bucket(info.age);
    if (info.gender == "M" || info.gender == "m") f.gender[u] = 1;
    if (info.gender == "F" || info.gender == "f") f.gender[u] = 2;
    auto occ = std::find(ds.occupation_names.begin(), ds.occupation_names.end(), info.occupation);
    if (occ != ds.occupation_names.end()) f.occupation[u] = 1 + (occ - ds.occupation_names.begin());
    const std::string& z = info.zip;
    if (z.size() >= 2 && z[0] >= '0' && z[0] <= '9' && z[1] >= '0' && z[1] <= '9')
      f.zip_prefix[u] = 1 + (z[0] - '0') * 10 + (z[1] - '0');
  }
  return f;
}

ItemFeatures item_features(const Dataset& ds) {
  ItemFeatures f;
  const size_t n = static_cast<size_t>(ds.items.size());
  f.genres.resize(n);
  f.year_bucket.assign(n, 0);
  f.n_genres = std::max<int64_t>(1, static_cast<int64_t>(ds.genre_names.size()));
  f.n_year = 23;
  for (size_t i = 0; i < n && i < ds.item_info.size(); ++i) {
    f.genres[i] = ds.item_info[i].genres;
    f.year_bucket[i] = year_bucket(ds.item_info[i].year);
  }
  return f;
}

}  // namespace tg::recsys
