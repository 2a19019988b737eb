// recsys/data/synthetic.h — MovieLens-format synthetic datasets of any size, for scale tests.
//
// Ratings come from latent factors (dim 8) plus user/item biases and noise, rounded to the 1..5
// scale (half stars for "csv"); item popularity is Zipf-like and user activity long-tailed, as in
// MovieLens. Every (user, item) pair occurs at most once. Raw ids are 1-based.
#pragma once

#include <cstdint>
#include <string>

namespace tg::recsys {

// Writes `ratings` ratings of `users` users on `items` items into `dir` (created if needed):
//   "ml-100k": u.data, u.item, u.user, u.genre, u.occupation and the folds u1..u5.base/.test
//   "ml-1m":   ratings.dat, movies.dat, users.dat
//   "csv":     ratings.csv + movies.csv (ml-latest layout; titles with commas, quoted)
// plus a SYNTHETIC marker file (load_dataset then names the dataset "synthetic").
// Deterministic in `seed`. ratings must be <= users * items.
void write_synthetic(const std::string& dir, int64_t users, int64_t items, int64_t ratings,
                     uint64_t seed, const std::string& format = "ml-100k");

}  // namespace tg::recsys
