// recsys/models/grouped.h — ratings grouped by user or by item (CSR), and the mean rating, for
// the closed-form solvers (ALS, BPMF) that visit one entity's ratings at a time.
#pragma once

#include <cstdint>
#include <vector>

#include "../data/dataset.h"

namespace tg::recsys {

// For entity e (a user when grouped by user), rows [ptr[e], ptr[e + 1]) of (other, rating): the
// other side's id and the rating, in the data's order.
struct Grouped {
  std::vector<int64_t> ptr, other;
  std::vector<float> rating;
};

inline Grouped group_by(const Interactions& d, bool by_user, int64_t n) {
  Grouped g;
  g.ptr.assign(static_cast<size_t>(n + 1), 0);
  const auto& key = by_user ? d.user : d.item;
  const auto& oth = by_user ? d.item : d.user;
  for (int64_t k : key) ++g.ptr[static_cast<size_t>(k + 1)];
  for (int64_t e = 0; e < n; ++e) g.ptr[e + 1] += g.ptr[e];
  g.other.resize(d.size());
  g.rating.resize(d.size());
  std::vector<int64_t> fill(g.ptr.begin(), g.ptr.end() - 1);
  for (size_t r = 0; r < d.size(); ++r) {
    const int64_t pos = fill[static_cast<size_t>(key[r])]++;
    g.other[pos] = oth[r];
    g.rating[pos] = d.rating[r];
  }
  return g;
}

// The mean rating (summed in double), 0 for no ratings.
inline float mean_rating(const Interactions& d) {
  double sum = 0;
  for (float r : d.rating) sum += r;
  return d.size() ? static_cast<float>(sum / static_cast<double>(d.size())) : 0.f;
}

}  // namespace tg::recsys
