// tests/recsys_fixtures.h — a tiny in-memory MovieLens-like dataset with side information, and a
// deterministic train / valid / test split of it, shared by the model tests (gradchecks, SVD++,
// unknown-id fallbacks) that need a few ratings rather than a file on disk.
#pragma once

#include <string>

#include <tapegrad/recsys/data/dataset.h>
#include <tapegrad/recsys/data/split.h>
#include <tapegrad/recsys/models/recommender.h>

namespace tg_test {

// 6 users x 7 items (about two thirds of the pairs rated, ratings 1..5), three genres, two
// occupations.
inline tg::recsys::Dataset tiny_dataset() {
  tg::recsys::Dataset ds;
  ds.name = "tiny";
  ds.min_rating = 1;
  ds.max_rating = 5;
  ds.genre_names = {"Action", "Comedy", "Drama"};
  ds.occupation_names = {"student", "engineer"};
  for (int64_t u = 0; u < 6; ++u) ds.users.add(100 + u);
  for (int64_t i = 0; i < 7; ++i) ds.items.add(200 + i);
  for (int64_t i = 0; i < 7; ++i)
    ds.item_info.push_back({"Item " + std::to_string(i), static_cast<int32_t>(1990 + i),
                            {static_cast<int32_t>(i % 3), static_cast<int32_t>((i + 1) % 3)}});
  for (int64_t u = 0; u < 6; ++u)
    ds.user_info.push_back({static_cast<int32_t>(20 + 7 * u), u % 2 ? "F" : "M",
                            u % 2 ? "engineer" : "student", std::to_string(10000 + 1111 * u)});
  for (int64_t u = 0; u < 6; ++u)
    for (int64_t i = 0; i < 7; ++i)
      if ((u + 2 * i) % 3 != 0)
        ds.ratings.push_back(u, i, static_cast<float>(1 + (u * 3 + i * 5) % 5), u * 100 + i);
  return ds;
}

// Rating r goes to test when r % 5 == 0, to valid when r % 5 == 1, to train otherwise.
inline tg::recsys::Split tiny_split(const tg::recsys::Dataset& ds) {
  tg::recsys::Split s;
  for (size_t r = 0; r < ds.ratings.size(); ++r) {
    tg::recsys::Interactions& dst = r % 5 == 0 ? s.test : (r % 5 == 1 ? s.valid : s.train);
    dst.push_back(ds.ratings.user[r], ds.ratings.item[r], ds.ratings.rating[r], ds.ratings.timestamp[r]);
  }
  return s;
}

// A small training config for the tiny data: the given sizes, the model's defaults otherwise.
inline tg::recsys::TrainConfig tiny_config(int64_t dim, int64_t epochs, int64_t batch) {
  tg::recsys::TrainConfig cfg;
  cfg.dim = dim;
  cfg.epochs = epochs;
  cfg.batch = batch;
  cfg.quiet = true;
  return cfg;
}

}  // namespace tg_test
