// tests/test_recsys_data_batch.cpp — BatchIterator (coverage, seeded shuffles, prefetch),
// NegativeSampler and side features.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include <tapegrad/recsys/data/dataset.h>
#include <tapegrad/tapegrad.h>

using namespace tg::recsys;

namespace {

Interactions make_rows(int64_t n) {
  Interactions d;
  for (int64_t r = 0; r < n; ++r) d.push_back(r % 13, r, static_cast<float>(r) * 0.5f, r);
  return d;
}

// The item column of each batch of one epoch, concatenated (items are the row ids).
std::vector<int64_t> epoch_items(BatchIterator& it, std::vector<int64_t>* sizes = nullptr) {
  std::vector<int64_t> items;
  Batch b;
  while (it.next(b)) {
    CHECK(b.users.dtype() == tg::kInt64);
    CHECK(b.items.dtype() == tg::kInt64);
    CHECK(b.ratings.dtype() == tg::kFloat32);
    CHECK(b.users.numel() == b.size);
    auto it_items = b.items.to_vector<int64_t>();
    auto users = b.users.to_vector<int64_t>();
    auto ratings = b.ratings.to_vector<float>();
    for (int64_t k = 0; k < b.size; ++k) {  // columns stay aligned
      CHECK(users[k] == it_items[k] % 13);
      CHECK(ratings[k] == static_cast<float>(it_items[k]) * 0.5f);
    }
    items.insert(items.end(), it_items.begin(), it_items.end());
    if (sizes) sizes->push_back(b.size);
  }
  return items;
}

}  // namespace

TEST_CASE("recsys batch: every row exactly once per epoch") {
  Interactions d = make_rows(103);
  for (bool prefetch : {false, true}) {
    for (bool shuffle : {false, true}) {
      CAPTURE(prefetch);
      CAPTURE(shuffle);
      tg::Generator gen(7);
      BatchIterator it(d, 10, shuffle, &gen, prefetch);
      CHECK(it.num_batches() == 11);
      for (int epoch = 0; epoch < 3; ++epoch) {
        std::vector<int64_t> sizes;
        std::vector<int64_t> items = epoch_items(it, &sizes);
        CHECK(sizes.size() == 11);
        CHECK(sizes.back() == 3);
        if (!shuffle) CHECK(std::is_sorted(items.begin(), items.end()));
        if (shuffle) CHECK_FALSE(std::is_sorted(items.begin(), items.end()));
        std::sort(items.begin(), items.end());
        std::vector<int64_t> want(103);
        for (int64_t r = 0; r < 103; ++r) want[r] = r;
        CHECK(items == want);
      }
    }
  }
}

TEST_CASE("recsys batch: seeded shuffles repeat and epochs differ") {
  Interactions d = make_rows(64);
  tg::Generator g1(3), g2(3), g3(4);
  BatchIterator a(d, 16, true, &g1), b(d, 16, true, &g2, /*prefetch=*/true), c(d, 16, true, &g3);
  auto a1 = epoch_items(a), a2 = epoch_items(a);
  auto b1 = epoch_items(b), b2 = epoch_items(b);
  auto c1 = epoch_items(c);
  CHECK(a1 == b1);
  CHECK(a2 == b2);
  CHECK(a1 != a2);
  CHECK(a1 != c1);
}

TEST_CASE("recsys batch: reset abandons an epoch and a bad size throws") {
  Interactions d = make_rows(30);
  BatchIterator it(d, 8, false, nullptr, true);
  Batch b;
  REQUIRE(it.next(b));
  it.reset();
  CHECK(epoch_items(it).size() == 30);
  CHECK_THROWS_AS(BatchIterator(d, 0, false, nullptr), tg::Error);
  Interactions none;
  BatchIterator empty_it(none, 4, true, nullptr);
  CHECK(empty_it.num_batches() == 0);
  CHECK_FALSE(empty_it.next(b));
}

TEST_CASE("recsys negatives: training samples are never positives") {
  Interactions pos;
  // User 0 likes items 0..7 of 10; user 1 likes 3; user 2 has nothing.
  for (int64_t i = 0; i < 8; ++i) pos.push_back(0, i, 1, 0);
  pos.push_back(1, 3, 1, 0);
  NegativeSampler s(10, pos);
  CHECK(s.is_positive(0, 7));
  CHECK_FALSE(s.is_positive(0, 8));
  CHECK(s.positives(1) == std::vector<int64_t>{3});
  CHECK(s.positives(99).empty());
  tg::Generator gen(11);
  tg::Tensor users = tg::from_vector(std::vector<int64_t>{0, 1, 2, 0});
  tg::Tensor neg = s.sample(users, 50, &gen);
  REQUIRE(neg.numel() == 200);
  CHECK(neg.dtype() == tg::kInt64);
  auto v = neg.to_vector<int64_t>();
  const int64_t us[] = {0, 1, 2, 0};
  std::set<int64_t> seen0;
  for (int b = 0; b < 4; ++b)
    for (int j = 0; j < 50; ++j) {
      int64_t item = v[b * 50 + j];
      CHECK(item >= 0);
      CHECK(item < 10);
      CHECK_FALSE(s.is_positive(us[b], item));
      if (us[b] == 0) seen0.insert(item);
    }
  CHECK(seen0 == std::set<int64_t>{8, 9});
  // Same generator state -> same draws; the generator advances.
  tg::Generator g2(11);
  CHECK(s.sample(users, 50, &g2).to_vector<int64_t>() == v);
  CHECK(s.sample(users, 50, &g2).to_vector<int64_t>() != v);
  // A user who rated everything has no negatives.
  Interactions all;
  for (int64_t i = 0; i < 3; ++i) all.push_back(0, i, 1, 0);
  NegativeSampler full(3, all);
  CHECK_THROWS_AS(full.sample(tg::from_vector(std::vector<int64_t>{0}), 1, &gen), tg::Error);
}

TEST_CASE("recsys negatives: eval negatives are distinct and repeatable") {
  Interactions pos;
  for (int64_t u = 0; u < 5; ++u)
    for (int64_t i = u; i < 100; i += 7) pos.push_back(u, i, 1, 0);
  NegativeSampler s(100, pos);
  std::vector<int64_t> users{0, 1, 2, 3, 4};
  for (int64_t n : {10, 80}) {  // sparse (rejection) and dense (shuffle) regimes
    CAPTURE(n);
    auto a = s.eval_negatives(users, n, 123);
    auto b = s.eval_negatives(users, n, 123);
    auto c = s.eval_negatives(users, n, 124);
    CHECK(a == b);
    CHECK(a != c);
    for (size_t k = 0; k < users.size(); ++k) {
      REQUIRE(a[k].size() == static_cast<size_t>(n));
      std::set<int64_t> uniq(a[k].begin(), a[k].end());
      CHECK(uniq.size() == a[k].size());
      for (int64_t item : a[k]) CHECK_FALSE(s.is_positive(users[k], item));
    }
    // A user's list does not depend on which other users are asked for.
    auto single = s.eval_negatives({3}, n, 123);
    CHECK(single[0] == a[3]);
  }
  CHECK_THROWS_AS(s.eval_negatives(users, 90, 1), tg::Error);
}

TEST_CASE("recsys features: buckets") {
  CHECK(age_bucket(0) == 0);
  CHECK(age_bucket(1) == 1);
  CHECK(age_bucket(17) == 1);
  CHECK(age_bucket(18) == 2);
  CHECK(age_bucket(24) == 2);
  CHECK(age_bucket(25) == 3);
  CHECK(age_bucket(49) == 5);
  CHECK(age_bucket(56) == 7);
  CHECK(age_bucket(90) == 7);
  CHECK(year_bucket(0) == 0);
  CHECK(year_bucket(1900) == 1);
  CHECK(year_bucket(1925) == 2);
  CHECK(year_bucket(1995) == 16);
  CHECK(year_bucket(2100) == 22);
}
