// recsys/metrics/pointwise.cpp — RMSE, MAE, AUC, LogLoss.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "../../tensor/error.h"
#include "metrics.h"

namespace tg::recsys {
namespace {
void check_pair(const char* op, size_t a, size_t b) {
  TG_CHECK(a == b, op, ": ", a, " predictions but ", b, " targets");
  TG_CHECK(a > 0, op, ": no values");
}
}  // namespace

double rmse(const std::vector<float>& pred, const std::vector<float>& truth) {
  check_pair("rmse", pred.size(), truth.size());
  double s = 0;
  for (size_t i = 0; i < pred.size(); ++i) {
    double d = static_cast<double>(pred[i]) - truth[i];
    s += d * d;
  }
  return std::sqrt(s / static_cast<double>(pred.size()));
}

double mae(const std::vector<float>& pred, const std::vector<float>& truth) {
  check_pair("mae", pred.size(), truth.size());
  double s = 0;
  for (size_t i = 0; i < pred.size(); ++i) s += std::fabs(static_cast<double>(pred[i]) - truth[i]);
  return s / static_cast<double>(pred.size());
}

double auc(const std::vector<float>& scores, const std::vector<float>& labels) {
  check_pair("auc", scores.size(), labels.size());
  const size_t n = scores.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  // Sum of the (mid)ranks of the positives; a tie group shares its average rank.
  double pos_rank_sum = 0;
  int64_t n_pos = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && scores[order[j]] == scores[order[i]]) ++j;
    const double mid = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (size_t k = i; k < j; ++k)
      if (labels[order[k]] > 0.5f) pos_rank_sum += mid, ++n_pos;
    i = j;
  }
  const int64_t n_neg = static_cast<int64_t>(n) - n_pos;
  if (n_pos == 0 || n_neg == 0) return std::numeric_limits<double>::quiet_NaN();
  const double np = static_cast<double>(n_pos), nn = static_cast<double>(n_neg);
  return (pos_rank_sum - np * (np + 1) / 2.0) / (np * nn);
}

double logloss(const std::vector<float>& probs, const std::vector<float>& labels) {
  check_pair("logloss", probs.size(), labels.size());
  constexpr double kEps = 1e-7;
  double s = 0;
  for (size_t i = 0; i < probs.size(); ++i) {
    const double p = std::clamp(static_cast<double>(probs[i]), kEps, 1.0 - kEps);
    const double y = labels[i];
    s -= y * std::log(p) + (1.0 - y) * std::log(1.0 - p);
  }
  return s / static_cast<double>(probs.size());
}

}  // namespace tg::recsys
