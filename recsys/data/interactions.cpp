// recsys/data/interactions.cpp — Interactions columns and IdMap.
#include "interactions.h"

#include <algorithm>

#include "../../tensor/error.h"

namespace tg::recsys {

void Interactions::reserve(size_t n) {
  user.reserve(n);
  item.reserve(n);
  rating.reserve(n);
  timestamp.reserve(n);
}

Interactions Interactions::subset(const std::vector<int64_t>& rows) const {
  Interactions out;
  out.reserve(rows.size());
  const int64_t n = static_cast<int64_t>(size());
  for (int64_t r : rows) {
    TG_CHECK(r >= 0 && r < n, "Interactions::subset: row ", r, " out of range [0, ", n, ")");
    out.push_back(user[r], item[r], rating[r], timestamp[r]);
  }
  return out;
}

void Interactions::append(const Interactions& o) {
  user.insert(user.end(), o.user.begin(), o.user.end());
  item.insert(item.end(), o.item.begin(), o.item.end());
  rating.insert(rating.end(), o.rating.begin(), o.rating.end());
  timestamp.insert(timestamp.end(), o.timestamp.begin(), o.timestamp.end());
}

// The direct table grows to cover `raw` only while that keeps it dense (at most ~16 slots per id
// held), so one huge raw id cannot cost a 64 MB table; ids it does not cover live in the hash map.
bool IdMap::direct_covers(int64_t raw) const {
  if (raw < 0 || raw >= kDirectLimit) return false;
  const auto r = static_cast<size_t>(raw);
  return r < direct_.size() || r < 16 * to_raw_.size() + 4096;
}

int64_t IdMap::add(int64_t raw) {
  if (auto d = find(raw)) return *d;
  const int64_t dense = static_cast<int64_t>(to_raw_.size());
  if (direct_covers(raw)) {
    if (raw >= static_cast<int64_t>(direct_.size())) {
      size_t grow = std::max<size_t>(static_cast<size_t>(raw) + 1, direct_.size() * 2);
      direct_.resize(std::min<size_t>(grow, static_cast<size_t>(kDirectLimit)), 0);
    }
    direct_[static_cast<size_t>(raw)] = static_cast<int32_t>(dense + 1);
  } else {
    hashed_.emplace(raw, dense);
  }
  to_raw_.push_back(raw);
  return dense;
}

std::optional<int64_t> IdMap::find(int64_t raw) const {
  if (raw >= 0 && raw < static_cast<int64_t>(direct_.size()) && direct_[static_cast<size_t>(raw)] != 0)
    return direct_[static_cast<size_t>(raw)] - 1;
  if (hashed_.empty()) return std::nullopt;
  auto it = hashed_.find(raw);
  if (it == hashed_.end()) return std::nullopt;
  return it->second;
}

int64_t IdMap::raw(int64_t dense) const {
  TG_CHECK(dense >= 0 && dense < size(), "IdMap::raw: dense id ", dense, " out of range [0, ",
           size(), ")");
  return to_raw_[static_cast<size_t>(dense)];
}

}  // namespace tg::recsys
