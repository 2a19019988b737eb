// recsys/metrics/ranking.cpp — HR, NDCG, Precision, Recall, MAP, MRR at K; top-K selection.
#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "../../tensor/error.h"
#include "metrics.h"

namespace tg::recsys {
namespace {

double discount(int64_t pos) { return 1.0 / std::log2(static_cast<double>(pos) + 2.0); }

void average(RankingMetrics& m) {
  if (m.users == 0) return;
  const double n = static_cast<double>(m.users);
  m.hr /= n, m.ndcg /= n, m.precision /= n, m.recall /= n, m.map /= n, m.mrr /= n;
}

}  // namespace

RankingMetrics ranking_metrics(const std::vector<std::vector<int64_t>>& ranked_items,
                               const std::vector<std::vector<int64_t>>& relevant, int64_t k) {
  TG_CHECK(k > 0, "ranking_metrics: k must be positive, got ", k);
  TG_CHECK(ranked_items.size() == relevant.size(), "ranking_metrics: ", ranked_items.size(),
           " ranked lists but ", relevant.size(), " relevant sets");
  RankingMetrics m;
  std::unordered_set<int64_t> rel, seen;
  for (size_t u = 0; u < relevant.size(); ++u) {
    rel.clear();
    rel.insert(relevant[u].begin(), relevant[u].end());
    if (rel.empty()) continue;
    seen.clear();
    const int64_t n_rel = static_cast<int64_t>(rel.size());
    int64_t hits = 0, pos = 0;
    double dcg = 0, ap = 0, rr = 0;
    for (int64_t item : ranked_items[u]) {
      if (pos >= k) break;
      if (!seen.insert(item).second) continue;  // a repeat takes no position
      if (rel.count(item)) {
        ++hits;
        dcg += discount(pos);
        ap += static_cast<double>(hits) / static_cast<double>(pos + 1);
        if (rr == 0) rr = 1.0 / static_cast<double>(pos + 1);
      }
      ++pos;
    }
    double idcg = 0;
    for (int64_t i = 0; i < std::min(n_rel, k); ++i) idcg += discount(i);
    m.hr += hits > 0 ? 1.0 : 0.0;
    m.ndcg += dcg / idcg;
    m.precision += static_cast<double>(hits) / static_cast<double>(k);
    m.recall += static_cast<double>(hits) / static_cast<double>(n_rel);
    m.map += ap / static_cast<double>(std::min(n_rel, k));
    m.mrr += rr;
    ++m.users;
  }
  average(m);
  return m;
}

RankingMetrics sampled_metrics(const std::vector<float>& pos_scores,
                               const std::vector<std::vector<float>>& neg_scores, int64_t k) {
  TG_CHECK(k > 0, "sampled_metrics: k must be positive, got ", k);
  TG_CHECK(pos_scores.size() == neg_scores.size(), "sampled_metrics: ", pos_scores.size(),
           " positive scores but ", neg_scores.size(), " negative lists");
  RankingMetrics m;
  for (size_t u = 0; u < pos_scores.size(); ++u) {
    const float p = pos_scores[u];
    int64_t rank = 1;
    for (float s : neg_scores[u])
      if (!(s < p)) ++rank;  // ties and NaNs rank above the positive
    if (rank <= k) {
      m.hr += 1.0;
      m.recall += 1.0;
      m.precision += 1.0 / static_cast<double>(k);
      m.ndcg += discount(rank - 1);
      m.map += 1.0 / static_cast<double>(rank);
      m.mrr += 1.0 / static_cast<double>(rank);
    }
    ++m.users;
  }
  average(m);
  return m;
}

std::vector<int64_t> top_k(const float* scores, int64_t n, int64_t k,
                           const std::vector<int64_t>& exclude_sorted) {
  TG_CHECK(k >= 0 && n >= 0, "top_k: k and n must be non-negative");
  std::vector<int64_t> cand;
  cand.reserve(static_cast<size_t>(n));
  size_t e = 0;
  for (int64_t i = 0; i < n; ++i) {
    while (e < exclude_sorted.size() && exclude_sorted[e] < i) ++e;
    if (e < exclude_sorted.size() && exclude_sorted[e] == i) continue;
    if (std::isnan(scores[i])) continue;
    cand.push_back(i);
  }
  auto better = [&](int64_t a, int64_t b) { return scores[a] != scores[b] ? scores[a] > scores[b] : a < b; };
  const size_t kk = std::min(cand.size(), static_cast<size_t>(k));
  std::partial_sort(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(kk), cand.end(), better);
  cand.resize(kk);
  return cand;
}

}  // namespace tg::recsys
