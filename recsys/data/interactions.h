// recsys/data/interactions.h — rating columns (user, item, rating, timestamp) and the raw <-> dense
// id map.
//
// Ids in Interactions are dense (0..n-1) once a Dataset is loaded; the IdMap turns MovieLens' raw
// ids into dense ones and back.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

namespace tg::recsys {

// One row per rating, stored as columns.
struct Interactions {
  std::vector<int64_t> user, item;
  std::vector<float> rating;
  std::vector<int64_t> timestamp;

  size_t size() const { return user.size(); }
  bool empty() const { return user.empty(); }
  void reserve(size_t n);
  void push_back(int64_t u, int64_t i, float r, int64_t ts) {
    user.push_back(u);
    item.push_back(i);
    rating.push_back(r);
    timestamp.push_back(ts);
  }
  // The rows at `rows`, in that order.
  Interactions subset(const std::vector<int64_t>& rows) const;
  // Appends all rows of `other`.
  void append(const Interactions& other);
};

// Raw id <-> dense id. Dense ids are handed out 0, 1, 2... in the order of add(). Small
// non-negative raw ids (all of MovieLens) use a direct table while it stays dense, others (and
// isolated huge ones) a hash map.
class IdMap {
 public:
  // The dense id of `raw`, adding it when new.
  int64_t add(int64_t raw);
  std::optional<int64_t> find(int64_t raw) const;
  int64_t raw(int64_t dense) const;
  int64_t size() const { return static_cast<int64_t>(to_raw_.size()); }
  const std::vector<int64_t>& raw_ids() const { return to_raw_; }

 private:
  static constexpr int64_t kDirectLimit = int64_t{1} << 24;
  bool direct_covers(int64_t raw) const;
  std::vector<int32_t> direct_;  // raw -> dense + 1 (0: absent), for 0 <= raw < kDirectLimit
  std::unordered_map<int64_t, int64_t> hashed_;
  std::vector<int64_t> to_raw_;
};

}  // namespace tg::recsys
