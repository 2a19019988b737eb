// tests/test_recsys_data_splits.cpp — random, per-user, temporal, leave-last-out splits and
// carve_validation: sizes, disjointness, leak-freedom, determinism.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include <tapegrad/recsys/data/dataset.h>
#include <tapegrad/tensor/error.h>

using namespace tg::recsys;

namespace {

// 20 users; user u has 2 + u % 7 ratings on distinct items, timestamps unique but shuffled.
Dataset make_dataset() {
  Dataset ds;
  ds.name = "toy";
  int64_t row = 0;
  for (int64_t u = 0; u < 20; ++u) {
    ds.users.add(u);
    for (int64_t k = 0; k < 2 + u % 7; ++k, ++row) {
      int64_t item = (u * 3 + k * 5) % 37;
      ds.ratings.push_back(u, item, static_cast<float>(1 + (u + k) % 5), (row * 7919) % 1000);
    }
  }
  for (int64_t i = 0; i < 37; ++i) ds.items.add(i);
  ds.item_info.resize(37);
  return ds;
}

using Row = std::tuple<int64_t, int64_t, float, int64_t>;
std::multiset<Row> rows_of(const Interactions& d) {
  std::multiset<Row> out;
  for (size_t r = 0; r < d.size(); ++r) out.emplace(d.user[r], d.item[r], d.rating[r], d.timestamp[r]);
  return out;
}

// Parts are disjoint and together give back exactly the dataset's rows.
void check_partition(const Dataset& ds, const Split& s) {
  std::multiset<Row> all = rows_of(s.train);
  for (const Row& r : rows_of(s.valid)) all.insert(r);
  for (const Row& r : rows_of(s.test)) all.insert(r);
  CHECK(all == rows_of(ds.ratings));
  CHECK(s.train.size() + s.valid.size() + s.test.size() == ds.ratings.size());
}

std::map<int64_t, int64_t> count_by_user(const Interactions& d) {
  std::map<int64_t, int64_t> c;
  for (int64_t u : d.user) ++c[u];
  return c;
}

}  // namespace

TEST_CASE("recsys split: random ratio is exact and seeded") {
  Dataset ds = make_dataset();
  const size_t n = ds.ratings.size();
  Split s = split_random(ds, 0.2, 42);
  check_partition(ds, s);
  CHECK(s.test.size() == static_cast<size_t>(std::llround(n * 0.2)));
  CHECK(s.valid.size() == 0);
  Split again = split_random(ds, 0.2, 42);
  CHECK(again.test.timestamp == s.test.timestamp);
  Split other = split_random(ds, 0.2, 43);
  CHECK(other.test.timestamp != s.test.timestamp);
  CHECK(split_random(ds, 0.0, 1).test.size() == 0);
  CHECK_THROWS_AS(split_random(ds, 1.0, 1), tg::Error);
  CHECK_THROWS_AS(split_random(ds, -0.1, 1), tg::Error);
}

TEST_CASE("recsys split: per-user ratio keeps every user in train") {
  Dataset ds = make_dataset();
  Split s = split_per_user(ds, 0.25, 5);
  check_partition(ds, s);
  auto all = count_by_user(ds.ratings), train = count_by_user(s.train), test = count_by_user(s.test);
  for (auto [u, n] : all) {
    CAPTURE(u);
    CHECK(train[u] >= 1);
    int64_t want = std::min<int64_t>(std::llround(n * 0.25), n - 1);
    CHECK(test[u] == want);
  }
  CHECK(split_per_user(ds, 0.25, 5).test.item == s.test.item);
}

TEST_CASE("recsys split: temporal cut is leak-free") {
  Dataset ds = make_dataset();
  // Add ties at several times to exercise the cut.
  ds.ratings.push_back(3, 30, 4, 500);
  ds.ratings.push_back(4, 31, 4, 500);
  for (double ratio : {0.1, 0.2, 0.5}) {
    CAPTURE(ratio);
    Split s = split_temporal(ds, ratio);
    check_partition(ds, s);
    REQUIRE(s.train.size() > 0);
    REQUIRE(s.test.size() > 0);
    int64_t last_train = *std::max_element(s.train.timestamp.begin(), s.train.timestamp.end());
    int64_t first_test = *std::min_element(s.test.timestamp.begin(), s.test.timestamp.end());
    CHECK(last_train < first_test);
    CHECK(s.test.size() >= static_cast<size_t>(std::llround(ds.ratings.size() * ratio)));
  }
  // All timestamps equal: nothing can be cut leak-free, so all goes to train.
  Dataset flat = make_dataset();
  std::fill(flat.ratings.timestamp.begin(), flat.ratings.timestamp.end(), 7);
  Split s = split_temporal(flat, 0.2);
  CHECK(s.test.size() == 0);
  CHECK(s.train.size() == flat.ratings.size());
}

TEST_CASE("recsys split: leave-last-out picks the latest per user") {
  Dataset ds = make_dataset();
  // User 0 gets a tie at its latest time: the later row wins.
  ds.ratings.push_back(0, 36, 2, 999);
  ds.ratings.push_back(0, 35, 3, 999);
  ds.ratings.push_back(21, 1, 3, 5);  // a user with a single rating stays in train
  ds.users.add(21);
  for (bool with_valid : {false, true}) {
    CAPTURE(with_valid);
    Split s = split_leave_last_out(ds, with_valid);
    check_partition(ds, s);
    auto test = count_by_user(s.test);
    CHECK(test.count(21) == 0);
    for (size_t r = 0; r < s.test.size(); ++r) {
      const int64_t u = s.test.user[r];
      CHECK(test[u] == 1);
      for (size_t t = 0; t < s.train.size(); ++t)
        if (s.train.user[t] == u) CHECK(s.train.timestamp[t] <= s.test.timestamp[r]);
      for (size_t t = 0; t < s.valid.size(); ++t)
        if (s.valid.user[t] == u) CHECK(s.valid.timestamp[t] <= s.test.timestamp[r]);
    }
    for (size_t r = 0; r < s.test.size(); ++r)
      if (s.test.user[r] == 0) CHECK(s.test.item[r] == 35);
    if (with_valid) {
      auto valid = count_by_user(s.valid);
      for (auto [u, n] : count_by_user(ds.ratings)) {
        CAPTURE(u);
        CHECK(valid[u] == (n >= 3 ? 1 : 0));
      }
      for (size_t r = 0; r < s.valid.size(); ++r)
        if (s.valid.user[r] == 0) CHECK(s.valid.item[r] == 36);
      // valid is earlier than test and later than all train rows of the user.
      for (size_t r = 0; r < s.valid.size(); ++r)
        for (size_t t = 0; t < s.train.size(); ++t)
          if (s.train.user[t] == s.valid.user[r]) CHECK(s.train.timestamp[t] <= s.valid.timestamp[r]);
    } else {
      CHECK(s.valid.size() == 0);
    }
  }
}

TEST_CASE("recsys split: carve_validation moves part of train per user") {
  Dataset ds = make_dataset();
  Split s = split_random(ds, 0.2, 1);
  const size_t train_before = s.train.size(), test_before = s.test.size();
  auto before = count_by_user(s.train);
  carve_validation(s, 0.25, 9);
  check_partition(ds, s);
  CHECK(s.test.size() == test_before);
  CHECK(s.train.size() + s.valid.size() == train_before);
  CHECK(s.valid.size() > 0);
  auto after = count_by_user(s.train);
  for (auto [u, n] : before) CHECK(after[u] >= 1);
  Split again = split_random(ds, 0.2, 1);
  carve_validation(again, 0.25, 9);
  CHECK(again.valid.timestamp == s.valid.timestamp);
  CHECK(s.description.find("valid") != std::string::npos);
}
