// recsys/data/negative_sampler.cpp — NegativeSampler.
#include "negative_sampler.h"

#include <algorithm>
#include <unordered_set>

#include "../../tensor/error.h"
#include "../../tensor/generator.h"
#include "random.h"

namespace tg::recsys {
namespace {
const std::vector<int64_t> kNone;
}

NegativeSampler::NegativeSampler(int64_t num_items, const Interactions& positives)
    : num_items_(num_items) {
  TG_CHECK(num_items > 0, "NegativeSampler: num_items must be positive, got ", num_items);
  for (size_t r = 0; r < positives.size(); ++r) {
    const int64_t u = positives.user[r], i = positives.item[r];
    TG_CHECK(u >= 0, "NegativeSampler: negative user id ", u);
    TG_CHECK(i >= 0 && i < num_items, "NegativeSampler: item id ", i, " out of range [0, ",
             num_items, ")");
    if (u >= static_cast<int64_t>(pos_.size())) pos_.resize(static_cast<size_t>(u) + 1);
    pos_[static_cast<size_t>(u)].push_back(i);
  }
  for (auto& p : pos_) {
    std::sort(p.begin(), p.end());
    p.erase(std::unique(p.begin(), p.end()), p.end());
  }
}

const std::vector<int64_t>& NegativeSampler::positives(int64_t u) const {
  if (u < 0 || u >= static_cast<int64_t>(pos_.size())) return kNone;
  return pos_[static_cast<size_t>(u)];
}

bool NegativeSampler::is_positive(int64_t u, int64_t i) const {
  const auto& p = positives(u);
  return std::binary_search(p.begin(), p.end(), i);
}

Tensor NegativeSampler::sample(const Tensor& users, int64_t per_user, Generator* gen) const {
  TG_CHECK(per_user >= 0, "NegativeSampler::sample: per_user must be non-negative, got ", per_user);
  Tensor u = users.contiguous().to(kInt64).cpu();
  TG_CHECK(u.dim() == 1, "NegativeSampler::sample: users must be 1-D, got ", u.dim(), "-D");
  const int64_t b = u.numel();
  Tensor out = empty({b * per_user}, kInt64);
  const int64_t* up = u.data<int64_t>();
  int64_t* op = out.data<int64_t>();
  Generator& g = gen ? *gen : default_generator();
  const uint64_t seed = g.seed();
  const uint64_t base = g.reserve(static_cast<uint64_t>(b * per_user));
  const uint64_t n_items = static_cast<uint64_t>(num_items_);
  for (int64_t k = 0; k < b; ++k) {
    const auto& p = positives(up[k]);
    TG_CHECK(static_cast<int64_t>(p.size()) < num_items_, "NegativeSampler::sample: user ", up[k],
             " has rated every item; no negatives exist");
    for (int64_t j = 0; j < per_user; ++j) {
      const uint64_t ctr = base + static_cast<uint64_t>(k * per_user + j);
      int64_t item = 0;
      for (uint64_t attempt = 0;; ++attempt) {  // expected tries: n_items / (n_items - |p|)
        item = static_cast<int64_t>(detail::bounded(detail::hash3(seed, ctr, attempt), n_items));
        if (!std::binary_search(p.begin(), p.end(), item)) break;
      }
      op[k * per_user + j] = item;
    }
  }
  return out.to(users.device());
}

std::vector<std::vector<int64_t>> NegativeSampler::eval_negatives(const std::vector<int64_t>& users,
                                                                  int64_t n, uint64_t seed) const {
  TG_CHECK(n >= 0, "NegativeSampler::eval_negatives: n must be non-negative, got ", n);
  std::vector<std::vector<int64_t>> out(users.size());
  for (size_t k = 0; k < users.size(); ++k) {
    const int64_t u = users[k];
    const auto& p = positives(u);
    const int64_t available = num_items_ - static_cast<int64_t>(p.size());
    TG_CHECK(n <= available, "NegativeSampler::eval_negatives: user ", u, " has only ", available,
             " non-positive items, ", n, " requested");
    detail::Stream stream(seed, static_cast<uint64_t>(u) ^ 0xE7A1000000000000ULL);
    auto& neg = out[k];
    neg.reserve(static_cast<size_t>(n));
    if (n * 2 <= available) {  // sparse: rejection against positives and earlier picks
      std::unordered_set<int64_t> taken;
      while (static_cast<int64_t>(neg.size()) < n) {
        int64_t item = static_cast<int64_t>(stream.below(static_cast<uint64_t>(num_items_)));
        if (std::binary_search(p.begin(), p.end(), item) || !taken.insert(item).second) continue;
        neg.push_back(item);
      }
    } else {  // dense: partial Fisher-Yates over the candidates
      std::vector<int64_t> cand;
      cand.reserve(static_cast<size_t>(available));
      for (int64_t i = 0; i < num_items_; ++i)
        if (!std::binary_search(p.begin(), p.end(), i)) cand.push_back(i);
      for (int64_t j = 0; j < n; ++j) {
        size_t pick = static_cast<size_t>(j) + stream.below(cand.size() - static_cast<size_t>(j));
        std::swap(cand[static_cast<size_t>(j)], cand[pick]);
        neg.push_back(cand[static_cast<size_t>(j)]);
      }
    }
  }
  return out;
}

}  // namespace tg::recsys
