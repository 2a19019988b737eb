// recsys/data/split.cpp — predefined, random, per-user, temporal and leave-last-out splits.
#include "split.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "../../tensor/error.h"
#include "loaders.h"
#include "random.h"

namespace tg::recsys {
namespace {

void check_ratio(const char* op, double r) {
  TG_CHECK(r >= 0.0 && r < 1.0, op, ": ratio must be in [0, 1), got ", r);
}

// Row indices of each user, in file order.
std::vector<std::vector<int64_t>> rows_by_user(const Interactions& d, int64_t num_users) {
  int64_t n_users = num_users;
  for (int64_t u : d.user) n_users = std::max(n_users, u + 1);
  std::vector<std::vector<int64_t>> rows(static_cast<size_t>(n_users));
  for (size_t r = 0; r < d.size(); ++r) rows[static_cast<size_t>(d.user[r])].push_back(static_cast<int64_t>(r));
  return rows;
}

// Splits `data` by a per-row flag (0 train, 1 valid, 2 test), keeping row order.
Split by_flags(const Interactions& data, const std::vector<uint8_t>& flag, std::string desc) {
  std::vector<int64_t> part[3];
  for (size_t r = 0; r < flag.size(); ++r) part[flag[r]].push_back(static_cast<int64_t>(r));
  Split s;
  s.train = data.subset(part[0]);
  s.valid = data.subset(part[1]);
  s.test = data.subset(part[2]);
  s.description = std::move(desc);
  return s;
}

std::string percent(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g%%", r * 100.0);
  return buf;
}

}  // namespace

Split split_predefined(const Dataset& ds, const std::string& name) {
  bool known = std::find(ds.predefined_splits.begin(), ds.predefined_splits.end(), name) !=
               ds.predefined_splits.end();
  if (!known) {
    std::string avail;
    for (const auto& s : ds.predefined_splits) avail += (avail.empty() ? "" : ", ") + s;
    TG_THROW("split_predefined: no split '", name, "' in ", ds.dir, " (available: ",
             avail.empty() ? "none" : avail, ")");
  }
  Split s;
  s.train = detail::read_mapped_ratings(ds, detail::join_path(ds.dir, name + ".base"));
  s.test = detail::read_mapped_ratings(ds, detail::join_path(ds.dir, name + ".test"));
  s.description = name + ".base/" + name + ".test";
  return s;
}

Split split_random(const Dataset& ds, double test_ratio, uint64_t seed) {
  check_ratio("split_random", test_ratio);
  const size_t n = ds.ratings.size();
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  detail::Stream stream(seed, 0x5a11);
  detail::shuffle(order, stream);
  const size_t n_test = static_cast<size_t>(std::llround(static_cast<double>(n) * test_ratio));
  std::vector<uint8_t> flag(n, 0);
  for (size_t k = 0; k < n_test; ++k) flag[static_cast<size_t>(order[k])] = 2;
  return by_flags(ds.ratings, flag, "random " + percent(test_ratio) + " seed " + std::to_string(seed));
}

Split split_per_user(const Dataset& ds, double test_ratio, uint64_t seed) {
  check_ratio("split_per_user", test_ratio);
  auto rows = rows_by_user(ds.ratings, ds.users.size());
  std::vector<uint8_t> flag(ds.ratings.size(), 0);
  for (size_t u = 0; u < rows.size(); ++u) {
    auto& r = rows[u];
    if (r.size() < 2) continue;
    detail::Stream stream(seed, u);
    detail::shuffle(r, stream);
    size_t n_test = static_cast<size_t>(std::llround(static_cast<double>(r.size()) * test_ratio));
    n_test = std::min(n_test, r.size() - 1);
    for (size_t k = 0; k < n_test; ++k) flag[static_cast<size_t>(r[k])] = 2;
  }
  return by_flags(ds.ratings, flag,
                  "per-user " + percent(test_ratio) + " seed " + std::to_string(seed));
}

Split split_temporal(const Dataset& ds, double test_ratio) {
  check_ratio("split_temporal", test_ratio);
  const auto& ts = ds.ratings.timestamp;
  const size_t n = ts.size();
  std::vector<uint8_t> flag(n, 0);
  const size_t n_test = static_cast<size_t>(std::llround(static_cast<double>(n) * test_ratio));
  int64_t cut = 0;
  if (n_test > 0) {
    std::vector<int64_t> sorted = ts;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<int64_t>(n - n_test), sorted.end());
    cut = sorted[n - n_test];
    const int64_t earliest = *std::min_element(ts.begin(), ts.end());
    const bool ties_to_test = cut > earliest;  // else everything would be test
    for (size_t r = 0; r < n; ++r)
      if (ts[r] > cut || (ties_to_test && ts[r] == cut)) flag[r] = 2;
  }
  return by_flags(ds.ratings, flag, "temporal " + percent(test_ratio) + " (test from t=" +
                                        std::to_string(cut) + ")");
}

Split split_leave_last_out(const Dataset& ds, bool with_valid) {
  auto rows = rows_by_user(ds.ratings, ds.users.size());
  const auto& ts = ds.ratings.timestamp;
  std::vector<uint8_t> flag(ds.ratings.size(), 0);
  for (auto& r : rows) {
    const size_t need = with_valid ? 3 : 2;
    if (r.size() < 2) continue;
    // Latest first: by timestamp, then by row (later rows are later among equal times).
    std::sort(r.begin(), r.end(), [&](int64_t a, int64_t b) {
      return ts[a] != ts[b] ? ts[a] > ts[b] : a > b;
    });
    flag[static_cast<size_t>(r[0])] = 2;
    if (with_valid && r.size() >= need) flag[static_cast<size_t>(r[1])] = 1;
  }
  return by_flags(ds.ratings, flag, with_valid ? "leave-last-out (+ second latest as valid)"
                                               : "leave-last-out");
}

void carve_validation(Split& s, double ratio, uint64_t seed) {
  check_ratio("carve_validation", ratio);
  auto rows = rows_by_user(s.train, 0);
  std::vector<uint8_t> flag(s.train.size(), 0);
  for (size_t u = 0; u < rows.size(); ++u) {
    auto& r = rows[u];
    if (r.size() < 2) continue;
    detail::Stream stream(seed ^ 0xCA4E, u);
    detail::shuffle(r, stream);
    size_t n_valid = static_cast<size_t>(std::llround(static_cast<double>(r.size()) * ratio));
    n_valid = std::min(n_valid, r.size() - 1);
    for (size_t k = 0; k < n_valid; ++k) flag[static_cast<size_t>(r[k])] = 1;
  }
  Split parts = by_flags(s.train, flag, "");
  s.train = std::move(parts.train);
  s.valid.append(parts.valid);
  s.description += " + valid " + percent(ratio) + " of train seed " + std::to_string(seed);
}

}  // namespace tg::recsys
