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

int64_t IdMap::add(int64_t raw) {
  if (raw >= 0 && raw < kDirectLimit) {
    if (raw >= static_cast<int64_t>(direct_.size())) {
      size_t grow = std::max<size_t>(static_cast<size_t>(raw) + 1, direct_.size() * 2);
      direct_.resize(std::min<size_t>(grow, static_cast<size_t>(kDirectLimit)), 0);
    }
    int32_t& slot = direct_[static_cast<size_t>(raw)];
    if (slot == 0) {
      to_raw_.push_back(raw);
      slot = static_cast<int32_t>(to_raw_.size());
    }
    return slot - 1;
  }
  auto [it, inserted] = hashed_.try_emplace(raw, static_cast<int64_t>(to_raw_.size()));
  if (inserted) to_raw_.push_back(raw);
  return it->second;
}

std::optional<int64_t> IdMap::find(int64_t raw) const {
  if (raw >= 0 && raw < kDirectLimit) {
    if (raw >= static_cast<int64_t>(direct_.size()) || direct_[static_cast<size_t>(raw)] == 0)
      return std::nullopt;
    return direct_[static_cast<size_t>(raw)] - 1;
  }
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
