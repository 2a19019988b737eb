// recsys/data/dataset.h — a MovieLens dataset in memory and the loader that auto-detects its format.
//
// Formats, detected from the files in the folder (first match wins):
//   u.data            "grouplens-100k"  ml-100k: u.data (TAB), u.item/u.user/u.genre/u.occupation ('|',
//                                       Latin-1 titles converted to UTF-8), u1..u5/ua/ub splits
//   ratings.dat       "grouplens-dat"   ml-1m / ml-10m: '::'-separated ratings/movies/users.dat
//   ratings.csv       "csv"             ml-latest(-small) / ml-20m / ml-25m: ratings.csv + movies.csv
//   *.inter           "recbole"         RecBole atomic files (.inter/.item/.user, typed headers)
// Dense ids: users and items are numbered by ascending raw id over the users/items that have at
// least one rating (metadata of never-rated items is dropped). Ratings keep the file's row order.
// Bad lines throw tg::Error "load_dataset: FILE:LINE: problem"; with skip_bad_lines they are
// dropped and counted in skipped_lines. Ratings must be finite and within [0, 10]; ids must be
// non-negative integers. A ratings line longer than 1 MiB is an error even with skip_bad_lines.
// Ratings files are streamed: loading needs about the size of the parsed columns (28 bytes a
// rating), not the file's size on top.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "interactions.h"

namespace tg::recsys {

struct ItemInfo {
  std::string title;  // UTF-8
  int32_t year = 0;   // release year; 0 when unknown
  std::vector<int32_t> genres;  // indices into Dataset::genre_names
};

struct UserInfo {
  int32_t age = 0;  // years (ml-1m's age codes 1, 18, 25, ... are the lower ends of its ranges)
  std::string gender;
  std::string occupation;
  std::string zip;
};

struct Dataset {
  std::string name;    // "ml-100k", "ml-1m", "ml-latest-small", "recbole:ml-100k", "synthetic"...
  std::string format;  // "grouplens-100k", "grouplens-dat", "csv", "recbole"
  std::string dir;
  IdMap users, items;
  Interactions ratings;  // dense ids
  std::vector<std::string> genre_names, occupation_names;
  std::vector<ItemInfo> item_info;  // indexed by dense item id; size == items.size()
  std::vector<UserInfo> user_info;  // indexed by dense user id; empty when there is no user file
  float min_rating = 0, max_rating = 0;
  std::vector<std::string> predefined_splits;  // e.g. {"u1",...,"u5","ua","ub"} when present
  int64_t skipped_lines = 0;

  int64_t num_users() const { return users.size(); }
  int64_t num_items() const { return items.size(); }
};

struct LoadOptions {
  bool skip_bad_lines = false;
};

// Loads the dataset in `dir`, detecting the format from the files present.
Dataset load_dataset(const std::string& dir, const LoadOptions& opts = {});

// The format load_dataset would use for `dir` ("" when none is recognised).
std::string detect_format(const std::string& dir);

}  // namespace tg::recsys

// dataset.h is also the one include for all of recsys/data: the rest of the API follows.
#include "batch.h"             // IWYU pragma: export
#include "features.h"          // IWYU pragma: export
#include "fetch.h"             // IWYU pragma: export
#include "negative_sampler.h"  // IWYU pragma: export
#include "split.h"             // IWYU pragma: export
#include "synthetic.h"         // IWYU pragma: export
