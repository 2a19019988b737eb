// recsys/data/negative_sampler.h — negatives for implicit feedback: fresh training negatives each
// call, and fixed evaluation negatives per (dataset, seed).
#pragma once

#include <cstdint>
#include <vector>

#include "../../tensor/tensor.h"
#include "interactions.h"

namespace tg {
class Generator;
}

namespace tg::recsys {

class NegativeSampler {
 public:
  // Every (user, item) row of `positives` counts as a positive (pass all the ratings you know of,
  // train + test, so that evaluation negatives are never hidden positives).
  NegativeSampler(int64_t num_items, const Interactions& positives);

  // For each user in `users` (int64 [B]), `per_user` items drawn uniformly from the items that are
  // not positives of that user (rejection sampling). Result int64 [B * per_user], user b's draws at
  // [b * per_user, (b + 1) * per_user). A pure function of gen's (seed, offset), which it advances.
  Tensor sample(const Tensor& users, int64_t per_user, Generator* gen) const;

  // n distinct non-positive items per user (without replacement), in draw order. Depends only on
  // (positives, num_items, user, seed): the same call always returns the same lists.
  std::vector<std::vector<int64_t>> eval_negatives(const std::vector<int64_t>& users, int64_t n,
                                                   uint64_t seed) const;

  bool is_positive(int64_t u, int64_t i) const;
  const std::vector<int64_t>& positives(int64_t u) const;  // sorted, unique; empty if unknown user
  int64_t num_items() const { return num_items_; }
  int64_t num_users() const { return static_cast<int64_t>(pos_.size()); }

 private:
  int64_t num_items_;
  std::vector<std::vector<int64_t>> pos_;  // per user, sorted
};

}  // namespace tg::recsys
