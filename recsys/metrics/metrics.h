// recsys/metrics/metrics.h — rating, classification and top-K ranking metrics.
//
// Rating:          RMSE = sqrt(mean((p - t)^2)),  MAE = mean(|p - t|)
// Classification:  AUC (Mann-Whitney, tied scores count 1/2), LogLoss = -mean(y log p + (1-y) log(1-p))
// Ranking @K, per user then averaged over users with at least one relevant item (hit at 0-based
// position i of the top K; R = the user's relevant set):
//   HR = [any hit]              Precision = hits / K          Recall = hits / |R|
//   NDCG = sum_hits 1/log2(i+2) / sum_{i < min(|R|, K)} 1/log2(i+2)
//   MAP = sum_hits Precision@(i+1) / min(|R|, K)               MRR = 1/(i+1) of the first hit
//   (MRR is truncated at K: 0 when nothing relevant is in the top K.)
#pragma once

#include <cstdint>
#include <vector>

namespace tg::recsys {

double rmse(const std::vector<float>& pred, const std::vector<float>& truth);
double mae(const std::vector<float>& pred, const std::vector<float>& truth);
// labels: 1 positive, 0 negative (> 0.5 counts as positive). NaN when only one class is present.
double auc(const std::vector<float>& scores, const std::vector<float>& labels);
// probs are clipped to [1e-7, 1 - 1e-7].
double logloss(const std::vector<float>& probs, const std::vector<float>& labels);

struct RankingMetrics {
  double hr = 0, ndcg = 0, precision = 0, recall = 0, map = 0, mrr = 0;
  int64_t users = 0;  // users that were averaged over
};

// ranked_items[u]: the recommendations of user u, best first (only the first k count; repeats are
// ignored); relevant[u]: that user's held-out items. Users with no relevant items are skipped.
RankingMetrics ranking_metrics(const std::vector<std::vector<int64_t>>& ranked_items,
                               const std::vector<std::vector<int64_t>>& relevant, int64_t k);

// The NCF protocol: one held-out positive per user ranked among itself + sampled negatives.
// rank = 1 + #{negatives scoring >= the positive}: ties count against the model (pessimistic), and
// a NaN score never helps it. With one relevant item HR = Recall = [rank <= k],
// NDCG = 1/log2(rank + 1), MAP = MRR = 1/rank, Precision = HR / k (all 0 when rank > k).
RankingMetrics sampled_metrics(const std::vector<float>& pos_scores,
                               const std::vector<std::vector<float>>& neg_scores, int64_t k);

// The k best of scores[0..n) (descending; ties: lower index first), skipping the ids in
// `exclude_sorted` (sorted ascending, e.g. the user's training items): full-ranking evaluation.
std::vector<int64_t> top_k(const float* scores, int64_t n, int64_t k,
                           const std::vector<int64_t>& exclude_sorted = {});

}  // namespace tg::recsys
