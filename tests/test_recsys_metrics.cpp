// tests/test_recsys_metrics.cpp — every metric against hand-computed values.
#include <doctest/doctest.h>

#include <cmath>

#include <tapegrad/recsys/metrics/metrics.h>
#include <tapegrad/tensor/error.h>

using namespace tg::recsys;
using doctest::Approx;

TEST_CASE("recsys metrics: rmse and mae") {
  CHECK(rmse({1, 2, 3}, {1, 2, 5}) == Approx(std::sqrt(4.0 / 3.0)));
  CHECK(mae({1, 2, 3}, {1, 2, 5}) == Approx(2.0 / 3.0));
  CHECK(mae({0, 0}, {1, -3}) == Approx(2.0));
  CHECK(rmse({2}, {2}) == 0.0);
  CHECK_THROWS_AS(rmse({1, 2}, {1}), tg::Error);
  CHECK_THROWS_AS(mae({}, {}), tg::Error);
}

TEST_CASE("recsys metrics: auc with and without ties") {
  CHECK(auc({0.1f, 0.4f, 0.35f, 0.8f}, {0, 0, 1, 1}) == Approx(0.75));  // sklearn's example
  CHECK(auc({0.1f, 0.2f, 0.3f}, {0, 1, 1}) == Approx(1.0));
  CHECK(auc({0.3f, 0.2f, 0.1f}, {0, 1, 1}) == Approx(0.0));
  // Ties count 1/2: pairs (0.5+, 0.5-) x2 -> 1, (0.9+, both) -> 2, total 3 of 4.
  CHECK(auc({0.5f, 0.5f, 0.5f, 0.9f}, {1, 0, 0, 1}) == Approx(0.75));
  CHECK(auc({1, 1, 1, 1}, {1, 0, 1, 0}) == Approx(0.5));
  CHECK(std::isnan(auc({0.1f, 0.2f}, {1, 1})));
}

TEST_CASE("recsys metrics: logloss") {
  CHECK(logloss({0.9f, 0.2f}, {1, 0}) == Approx((-std::log(0.9) - std::log(0.8)) / 2).epsilon(1e-6));
  CHECK(logloss({0.5f}, {1}) == Approx(std::log(2.0)));
  // Clipped: a confident mistake costs -log(1e-7), not infinity.
  CHECK(logloss({0.0f}, {1}) == Approx(-std::log(1e-7)).epsilon(1e-4));
}

TEST_CASE("recsys metrics: ranking at k for one hit at a known position") {
  RankingMetrics m = ranking_metrics({{5, 1, 7}}, {{7}}, 3);
  CHECK(m.users == 1);
  CHECK(m.hr == Approx(1.0));
  CHECK(m.ndcg == Approx(0.5));  // 1 / log2(2 + 2)
  CHECK(m.precision == Approx(1.0 / 3.0));
  CHECK(m.recall == Approx(1.0));
  CHECK(m.map == Approx(1.0 / 3.0));
  CHECK(m.mrr == Approx(1.0 / 3.0));
  RankingMetrics cut = ranking_metrics({{5, 1, 7}}, {{7}}, 2);  // the hit falls outside the top 2
  CHECK(cut.hr == 0.0);
  CHECK(cut.ndcg == 0.0);
  CHECK(cut.mrr == 0.0);
}

TEST_CASE("recsys metrics: ranking averages over users with relevant items") {
  // User A: hits at positions 0 and 2 of 4, three relevant. User B: no hit. User C: skipped.
  RankingMetrics m = ranking_metrics({{1, 2, 3, 4}, {8, 9, 10, 11}, {1}}, {{1, 3, 9}, {5}, {}}, 4);
  CHECK(m.users == 2);
  const double ndcg_a = (1.0 + 0.5) / (1.0 + 1.0 / std::log2(3.0) + 0.5);
  CHECK(m.ndcg == Approx(ndcg_a / 2));
  CHECK(m.hr == Approx(0.5));
  CHECK(m.precision == Approx(0.5 / 2));
  CHECK(m.recall == Approx((2.0 / 3.0) / 2));
  CHECK(m.map == Approx(((1.0 + 2.0 / 3.0) / 3.0) / 2));
  CHECK(m.mrr == Approx(0.5));
  // Perfect ranking gives 1 everywhere except precision (|R| < k).
  RankingMetrics p = ranking_metrics({{3, 1, 4}}, {{1, 3}}, 3);
  CHECK(p.ndcg == Approx(1.0));
  CHECK(p.map == Approx(1.0));
  CHECK(p.precision == Approx(2.0 / 3.0));
  // Repeats in the ranked list take no position.
  CHECK(ranking_metrics({{2, 2, 7}}, {{7}}, 2).hr == Approx(1.0));
  CHECK_THROWS_AS(ranking_metrics({{1}}, {{1}, {2}}, 1), tg::Error);
}

TEST_CASE("recsys metrics: sampled NCF protocol counts ties pessimistically") {
  // Positive 0.8 vs negatives 0.9 (above), 0.8 (tie: above), 0.1: rank 3.
  RankingMetrics m = sampled_metrics({0.8f}, {{0.9f, 0.8f, 0.1f}}, 3);
  CHECK(m.users == 1);
  CHECK(m.hr == Approx(1.0));
  CHECK(m.ndcg == Approx(0.5));
  CHECK(m.mrr == Approx(1.0 / 3.0));
  CHECK(m.map == Approx(1.0 / 3.0));
  CHECK(m.precision == Approx(1.0 / 3.0));
  CHECK(sampled_metrics({0.8f}, {{0.9f, 0.8f, 0.1f}}, 2).hr == 0.0);
  // Two users: rank 1 and rank 2.
  RankingMetrics two = sampled_metrics({1.0f, 0.5f}, {{0.2f, 0.3f}, {0.7f, 0.1f}}, 10);
  CHECK(two.hr == Approx(1.0));
  CHECK(two.ndcg == Approx((1.0 + 1.0 / std::log2(3.0)) / 2));
  CHECK(two.mrr == Approx(0.75));
  // All scores equal (e.g. an untrained model) is the worst rank, not the best.
  CHECK(sampled_metrics({0.0f}, {std::vector<float>(99, 0.0f)}, 10).hr == 0.0);
  CHECK(sampled_metrics({NAN}, {{0.1f}}, 1).hr == 0.0);
}

TEST_CASE("recsys metrics: top_k skips excluded items and breaks ties by id") {
  const float scores[] = {0.1f, 0.9f, 0.5f, 0.9f, NAN};
  CHECK(top_k(scores, 5, 2) == std::vector<int64_t>{1, 3});
  CHECK(top_k(scores, 5, 2, {3}) == std::vector<int64_t>{1, 2});
  CHECK(top_k(scores, 5, 10, {0}) == std::vector<int64_t>{1, 3, 2});
}
