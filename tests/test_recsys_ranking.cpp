// tests/test_recsys_ranking.cpp — implicit-feedback ranking models: popularity order, learning a
// planted group structure, float64 gradchecks of the BPR-MF / NeuMF / DMF losses, repeatable
// leave-last-out evaluation, and the real ML-100K (TG_DATA_DIR, skipped with a message when absent).
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <tapegrad/recsys/data/dataset.h>
#include <tapegrad/recsys/data/loaders.h>
#include <tapegrad/recsys/data/split.h>
#include <tapegrad/recsys/metrics/metrics.h>
#include <tapegrad/recsys/models/ranking.h>
#include <tapegrad/tapegrad.h>

using namespace tg::recsys;
using tg::Tensor;

namespace {

Dataset empty_dataset(int64_t users, int64_t items) {
  Dataset ds;
  ds.name = "ranking-test";
  for (int64_t u = 0; u < users; ++u) ds.users.add(1 + u);
  for (int64_t i = 0; i < items; ++i) ds.items.add(1 + i);
  return ds;
}

// 80 users in 4 groups; group g likes items [50g, 50g + 50) of 200 and each user interacted with 16
// of them (drawn by a fixed LCG), in time order. Within a group every item is about equally
// popular, so only the group structure helps ranking.
Dataset planted_dataset() {
  Dataset ds = empty_dataset(80, 200);
  uint64_t state = 12345;
  auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  for (int64_t u = 0; u < 80; ++u) {
    const int64_t g = u % 4;
    std::vector<int64_t> picked;
    while (picked.size() < 16) {
      int64_t i = 50 * g + static_cast<int64_t>(next() % 50);
      if (std::find(picked.begin(), picked.end(), i) == picked.end()) picked.push_back(i);
    }
    for (size_t k = 0; k < picked.size(); ++k)
      ds.ratings.push_back(u, picked[k], 4.0f, 1000 + static_cast<int64_t>(k));
  }
  return ds;
}

// 6 users x 7 items for the gradchecks.
Dataset tiny_dataset() {
  Dataset ds = empty_dataset(6, 7);
  for (int64_t u = 0; u < 6; ++u)
    for (int64_t i = 0; i < 7; ++i)
      if ((u + 2 * i) % 3 != 0) ds.ratings.push_back(u, i, 4.0f, u * 100 + i);
  return ds;
}

std::string ml100k_dir() {
  const char* env = std::getenv("TG_DATA_DIR");
  if (!env || !*env) return "";
  for (std::string dir : {std::string(env), std::string(env) + "/ml-100k"})
    if (std::filesystem::exists(dir + "/u.data")) return dir;
  return "";
}

}  // namespace

TEST_CASE("recsys ranking: popularity ranks items by training count") {
  Dataset ds = empty_dataset(5, 6);
  // Item 3 is liked by 4 users, item 1 by 3, item 5 by 2, item 0 by 1, items 2 and 4 by nobody.
  const std::vector<std::pair<int64_t, int64_t>> likes = {{0, 3}, {1, 3}, {2, 3}, {3, 3}, {0, 1}, {1, 1},
                                                          {2, 1}, {3, 5}, {4, 5}, {4, 0}};
  Split split;
  for (auto [u, i] : likes) split.train.push_back(u, i, 1.0f, 0);
  split.valid.push_back(0, 0, 1.0f, 1);
  ds.ratings = split.train;
  auto model = make_ranking_model("popularity");
  model->fit(ds, split, TrainConfig{}, nullptr);
  Tensor s = model->score_all(0, 6);
  std::vector<int64_t> order = top_k(s.data<float>(), 6, 6);
  CHECK(order == std::vector<int64_t>{3, 1, 5, 0, 2, 4});
  // recommend hides what user 4 has seen (items 5 and 0).
  auto rec = model->recommend(4, 2, ds, split.train);
  REQUIRE(rec.size() == 2);
  CHECK(rec[0].item == 3);
  CHECK(rec[1].item == 1);
  // Unknown users fall back to popularity, never a crash.
  Tensor unknown = model->predict(tg::from_vector<int64_t>({99, 0}), tg::from_vector<int64_t>({3, 3}));
  CHECK(unknown.to_vector<float>()[0] == doctest::Approx(unknown.to_vector<float>()[1]));
}

TEST_CASE("recsys ranking: every learned model finds a planted group structure") {
  Dataset ds = planted_dataset();
  Split split = split_leave_last_out(ds, /*with_valid=*/true);
  REQUIRE(split.test.size() == 80);
  // Random scores rank the held-out item in the top 10 of 100 with probability 0.10.
  for (const std::string name : {"bpr", "neumf", "dmf"}) {
    CAPTURE(name);
    auto model = make_ranking_model(name);
    TrainConfig cfg;
    cfg.epochs = 40;
    cfg.patience = 40;
    cfg.dim = 16;
    cfg.lr = 0.01;
    cfg.batch = 64;
    cfg.weight_decay = 0;
    model->fit(ds, split, cfg, nullptr);
    RankingReport rep = evaluate_ranking_loo(*model, ds, split, 10, 7);
    MESSAGE(name << ": sampled HR@10 " << rep.hr_sampled << ", full HR@10 " << rep.hr_full);
    CHECK(rep.users == 80);
    CHECK(rep.hr_sampled > 0.3);
  }
  auto pop = make_ranking_model("popularity");
  pop->fit(ds, split, TrainConfig{}, nullptr);
  MESSAGE("popularity: sampled HR@10 " << evaluate_ranking_loo(*pop, ds, split, 10, 7).hr_sampled);
}

TEST_CASE("recsys ranking: gradcheck of the BPR-MF NeuMF and DMF losses in float64") {
  Dataset ds = tiny_dataset();
  for (const std::string name : {"bpr", "neumf", "dmf"}) {
    CAPTURE(name);
    auto model = make_ranking_model(name);
    TrainConfig cfg;
    cfg.dim = 4;
    cfg.weight_decay = 0.05;
    model->prepare(ds, cfg, 0.0f);
    model->to(tg::kFloat64);
    Tensor users = tg::from_vector<int64_t>({0, 3, 5});
    Tensor pos = tg::from_vector<int64_t>({1, 6, 2});
    Tensor neg = tg::from_vector<int64_t>({0, 4, 2, 5, 3, 3});  // 2 per user
    int checked = 0;
    for (auto& [pname, p] : model->named_parameters()) {
      if (p.numel() > 200) continue;
      CAPTURE(pname);
      CHECK(tg::autograd::gradcheck([&](const std::vector<Tensor>&) { return model->loss(users, pos, neg); },
                                    {p}, 1e-6, 1e-5, 1e-3));
      ++checked;
    }
    CHECK(checked >= 3);
  }
}

TEST_CASE("recsys ranking: leave-last-out evaluation with fixed negatives is repeatable") {
  Dataset ds = planted_dataset();
  Split split = split_leave_last_out(ds, true);
  auto model = make_ranking_model("bpr");
  TrainConfig cfg;
  cfg.epochs = 3;
  cfg.dim = 8;
  model->fit(ds, split, cfg, nullptr);
  RankingReport a = evaluate_ranking_loo(*model, ds, split, 10, 11);
  RankingReport b = evaluate_ranking_loo(*model, ds, split, 10, 11);
  CHECK(a.hr_sampled == b.hr_sampled);
  CHECK(a.ndcg_sampled == b.ndcg_sampled);
  CHECK(a.hr_full == b.hr_full);
  CHECK(a.ndcg_full == b.ndcg_full);
  // Full ranking is at least as hard as ranking among 99 of the same candidates.
  CHECK(a.hr_full <= a.hr_sampled + 1e-12);
  // Training is seeded: a second fit gives the same model.
  auto again = make_ranking_model("bpr");
  again->fit(ds, split, cfg, nullptr);
  CHECK(evaluate_ranking_loo(*again, ds, split, 10, 11).hr_sampled == a.hr_sampled);
}

TEST_CASE("recsys ranking real data: BPR-MF and NeuMF beat popularity on ML-100K leave-last-out") {
  const std::string dir = ml100k_dir();
  if (dir.empty()) {
    MESSAGE("skipped: TG_DATA_DIR not set / data absent (ML-100K u.data not found)");
    return;
  }
  auto t0 = std::chrono::steady_clock::now();
  // One thread: OpenMP regions on these small ops only spin when the machine is shared.
  const int threads = tg::get_num_threads();
  tg::set_num_threads(1);
  Dataset ds = load_dataset(dir);
  Split split = split_leave_last_out(ds, true);
  auto pop = make_ranking_model("popularity");
  pop->fit(ds, split, TrainConfig{}, nullptr);
  RankingReport base = evaluate_ranking_loo(*pop, ds, split, 10, 42);
  MESSAGE("popularity: HR@10 sampled " << base.hr_sampled << ", full " << base.hr_full);
  for (const std::string name : {"bpr", "neumf"}) {
    CAPTURE(name);
    auto model = make_ranking_model(name);
    TrainConfig cfg;
    cfg.epochs = 12;  // capped for CI time: fewer epochs, smaller embeddings and one negative
    cfg.dim = 32;     // per positive than the tuned defaults
    model->set_negatives(1);
    model->fit(ds, split, cfg, nullptr);
    RankingReport rep = evaluate_ranking_loo(*model, ds, split, 10, 42);
    MESSAGE(name << ": HR@10 sampled " << rep.hr_sampled << ", full " << rep.hr_full);
    CHECK(rep.hr_sampled > base.hr_sampled + 0.05);
    CHECK(rep.hr_full > base.hr_full);
  }
  tg::set_num_threads(threads);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  MESSAGE("ML-100K ranking test took " << s << " s");
}
