// tests/test_recsys_wide_deep_extras.cpp — Wide & Deep as a binary classifier (rating >= 4,
// AUC / LogLoss), item2vec behaviour vectors, and crash-safe training: a checkpointed run that is
// SIGKILLed mid-epoch and resumed ends with exactly the metrics of an uninterrupted run.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <tapegrad/recsys/data/dataset.h>
#include <tapegrad/recsys/data/split.h>
#include <tapegrad/recsys/data/synthetic.h>
#include <tapegrad/recsys/models/blend.h>
#include <tapegrad/recsys/models/gradient_model.h>
#include <tapegrad/recsys/models/item2vec.h>
#include <tapegrad/recsys/models/ranking.h>
#include <tapegrad/recsys/models/recommender.h>
#include <tapegrad/tapegrad.h>

using namespace tg::recsys;
using tg::Tensor;
namespace fs = std::filesystem;

namespace {

fs::path scratch(const std::string& tag) {
  fs::path p = fs::temp_directory_path() / ("tg_wdx_" + tag + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

// A small synthetic MovieLens folder (latent factors + popularity skew), loaded.
Dataset synthetic(const fs::path& dir, int64_t users = 200, int64_t items = 300,
                  int64_t ratings = 12000) {
  write_synthetic(dir.string(), users, items, ratings, 7, "ml-100k");
  return load_dataset(dir.string());
}

double cosine(const Tensor& v, int64_t a, int64_t b) {
  Tensor x = v.select(0, a), y = v.select(0, b);
  double n = std::sqrt(tg::sum(tg::mul(x, x)).item<double>() * tg::sum(tg::mul(y, y)).item<double>());
  return tg::sum(tg::mul(x, y)).item<double>() / n;
}

}  // namespace

TEST_CASE("wide_deep binary: trains a classifier of rating >= 4 that beats the base rate") {
  fs::path dir = scratch("bin");
  Dataset ds = synthetic(dir / "data");
  Split split = split_random(ds, 0.2, 3);
  carve_validation(split, 0.1, 3);
  auto model = make_model("wide_deep", ds);
  TrainConfig cfg;
  cfg.task = "binary";
  cfg.epochs = 8;
  FitReport rep = model->fit(ds, split, cfg, nullptr);
  CHECK(rep.valid_metric == "logloss");
  BinaryEval ev = evaluate_binary(*model, split.test);
  // The constant predictor at the positive rate p has LogLoss H(p) and AUC 0.5.
  const double p = ev.positive_rate;
  const double base = -(p * std::log(p) + (1 - p) * std::log(1 - p));
  MESSAGE("binary wide_deep on synthetic: AUC " << ev.auc << ", LogLoss " << ev.logloss
                                                << " (base rate " << p << ": " << base << ")");
  CHECK(ev.auc > 0.65);
  CHECK(ev.logloss < base - 0.02);
  Tensor probs = model->predict(tg::from_vector<int64_t>({0, 1, 100000}), tg::from_vector<int64_t>({0, 5, 1}));
  for (float v : probs.to_vector<float>()) CHECK((v > 0.0f && v < 1.0f));
  // Save / load keeps the task (probabilities, not clamped ratings).
  std::string path = (dir / "bin.safetensors").string();
  save_model(path, *model, "wide_deep", ds);
  auto loaded = load_model(path, ds);
  CHECK(loaded->resolved_config().task == "binary");
  CHECK(tg::allclose(loaded->predict(tg::from_vector<int64_t>({0, 1}), tg::from_vector<int64_t>({0, 5})),
                     probs.narrow(0, 0, 2), 1e-6, 1e-6));
  fs::remove_all(dir);
}

TEST_CASE("recsys: the binary task and behaviour vectors are refused by models without them") {
  fs::path dir = scratch("refuse");
  Dataset ds = synthetic(dir / "data", 40, 50, 800);
  Split split = split_random(ds, 0.2, 3);
  carve_validation(split, 0.1, 3);
  for (const std::string name : {"mf", "deep_mf", "als"}) {
    CAPTURE(name);
    TrainConfig cfg;
    cfg.epochs = 1;
    cfg.task = "binary";
    CHECK_THROWS_WITH_AS(make_model(name, ds)->fit(ds, split, cfg, nullptr),
                         doctest::Contains("binary"), tg::Error);
    cfg.task = "rating";
    cfg.behaviour = "item2vec";
    CHECK_THROWS_WITH_AS(make_model(name, ds)->fit(ds, split, cfg, nullptr),
                         doctest::Contains("wide_deep"), tg::Error);
  }
  TrainConfig cfg;
  cfg.task = "ranking";
  CHECK_THROWS_WITH_AS(make_model("wide_deep", ds)->fit(ds, split, cfg, nullptr),
                       doctest::Contains("unknown task"), tg::Error);
  cfg.task = "rating";
  cfg.behaviour = "word2vec";
  CHECK_THROWS_WITH_AS(make_model("wide_deep", ds)->fit(ds, split, cfg, nullptr),
                       doctest::Contains("unknown behaviour"), tg::Error);
  fs::remove_all(dir);
}

TEST_CASE("item2vec: items consumed together get close vectors deterministically") {
  // Two communities: users 0..29 watch items 0..9 in random orders, users 30..59 items 10..19.
  std::vector<std::vector<int64_t>> seqs;
  tg::Generator gen(5);
  for (int64_t u = 0; u < 60; ++u) {
    Tensor perm = tg::randperm(10, &gen);
    std::vector<int64_t> s;
    for (int64_t v : perm.to_vector<int64_t>()) s.push_back(v + (u < 30 ? 0 : 10));
    seqs.push_back(s);
  }
  Item2VecOptions o;
  o.dim = 8;
  o.epochs = 30;
  o.batch = 256;
  o.window = 3;
  o.negatives = 3;
  o.lr = 0.02;
  Tensor v = train_item2vec(seqs, 21, o);  // item 20 never occurs
  REQUIRE(v.sizes() == tg::DimVec{21, 8});
  double within = 0, across = 0;
  for (int64_t a = 0; a < 10; ++a)
    for (int64_t b = 0; b < 10; ++b)
      if (a != b) {
        within += cosine(v, a, b) + cosine(v, 10 + a, 10 + b);
        across += cosine(v, a, 10 + b) + cosine(v, 10 + a, b);
      }
  within /= 180;
  across /= 200;
  MESSAGE("item2vec mean cosine within communities " << within << ", across " << across);
  CHECK(within > across + 0.3);
  CHECK(tg::sum(tg::abs(v.select(0, 20))).item<double>() == 0.0);
  CHECK(tg::equal(v, train_item2vec(seqs, 21, o)));  // same seed, same vectors
  // A user's behaviour vector is the mean of their history's item vectors.
  Tensor users = mean_history_vectors({{0, 3}, {}}, v);
  CHECK(tg::allclose(users.select(0, 0), tg::mul(tg::add(v.select(0, 0), v.select(0, 3)), 0.5), 1e-6, 1e-6));
  CHECK(tg::sum(tg::abs(users.select(0, 1))).item<double>() == 0.0);
  // Histories are time-ordered.
  Interactions data;
  data.push_back(0, 5, 4, 300);
  data.push_back(0, 7, 4, 100);
  data.push_back(1, 2, 3, 50);
  data.push_back(0, 6, 4, 200);
  auto h = user_histories(data, 3);
  CHECK(h[0] == std::vector<int64_t>{7, 6, 5});
  CHECK(h[1] == std::vector<int64_t>{2});
  CHECK(h[2].empty());
  CHECK_THROWS_AS(user_histories(data, 1), tg::Error);
}

TEST_CASE("wide_deep item2vec: behaviour vectors are trained and saved and gradchecked") {
  fs::path dir = scratch("i2v");
  Dataset ds = synthetic(dir / "data", 60, 80, 2000);
  Split split = split_random(ds, 0.2, 3);
  carve_validation(split, 0.1, 3);
  auto model = std::dynamic_pointer_cast<GradientRecommender>(make_model("wide_deep", ds));
  TrainConfig cfg;
  cfg.behaviour = "item2vec";
  cfg.epochs = 2;
  cfg.dim = 8;
  model->fit(ds, split, cfg, nullptr);
  auto sd = model->state_dict();
  REQUIRE(sd.count("behaviour_user"));
  REQUIRE(sd.count("behaviour_item"));
  CHECK(tg::sum(tg::abs(sd["behaviour_user"])).item<double>() > 0);
  std::string path = (dir / "i2v.safetensors").string();
  save_model(path, *model, "wide_deep", ds);
  auto loaded = load_model(path, ds);
  CHECK(loaded->resolved_config().behaviour == "item2vec");
  Tensor u = tg::from_vector<int64_t>({0, 1, 2}), i = tg::from_vector<int64_t>({3, 4, 5});
  CHECK(tg::equal(loaded->predict(u, i), model->predict(u, i)));

  // The binary loss with behaviour inputs has correct gradients (float64, central differences).
  TrainConfig bcfg;
  bcfg.task = "binary";
  bcfg.behaviour = "item2vec";
  bcfg.dim = 3;
  auto tiny = std::dynamic_pointer_cast<GradientRecommender>(make_model("wide_deep", ds));
  tiny->prepare(ds, bcfg, 0.4f);
  tiny->eval();
  tiny->to(tg::kFloat64);
  Tensor ratings = tg::from_vector<double>({4, 2, 5});
  int checked = 0;
  for (auto& [pname, p] : tiny->named_parameters()) {
    if (p.numel() > 200) continue;
    CAPTURE(pname);
    CHECK(tg::autograd::gradcheck(
        [&](const std::vector<Tensor>&) { return tiny->loss(u, i, ratings); }, {p}, 1e-6, 1e-5, 1e-3));
    ++checked;
  }
  CHECK(checked >= 4);
  fs::remove_all(dir);
}

TEST_CASE("checkpoints: resuming in-process gives the uninterrupted result and bad checkpoints are refused") {
  fs::path dir = scratch("ckin");
  Dataset ds = synthetic(dir / "data", 80, 100, 4000);
  Split split = split_random(ds, 0.2, 3);
  carve_validation(split, 0.1, 3);
  for (const std::string name : {"mf", "wide_deep", "deep_mf"}) {
    CAPTURE(name);
    TrainConfig cfg;
    cfg.epochs = 3;
    cfg.batch = 64;  // 45 batches per epoch
    auto ref = make_model(name, ds);
    ref->fit(ds, split, cfg, nullptr);
    // A run that stops after its checkpoint of epoch 2 batch 30, then a resumed one. The first is
    // interrupted by a progress callback that throws (the in-process stand-in for a crash).
    cfg.checkpoint = (dir / (name + ".ckpt")).string();
    cfg.checkpoint_every = 3;
    struct Crash {};
    auto first = make_model(name, ds);
    CHECK_THROWS_AS(first->fit(ds, split, cfg,
                               [](int64_t epoch, int64_t, int64_t batch, int64_t, double) {
                                 if (epoch == 2 && batch == 32) throw Crash{};
                               }),
                    Crash);
    cfg.resume = true;
    auto second = make_model(name, ds);
    FitReport rep = second->fit(ds, split, cfg, nullptr);
    CHECK(rep.resumed);
    Tensor u = tg::from_vector<int64_t>({0, 5, 9, 70}), i = tg::from_vector<int64_t>({1, 2, 50, 99});
    CHECK(tg::equal(second->predict(u, i), ref->predict(u, i)));  // bitwise
    // Other settings: refused with the file named.
    TrainConfig other = cfg;
    other.lr = 0.5;
    CHECK_THROWS_WITH_AS(make_model(name, ds)->fit(ds, split, other, nullptr),
                         doctest::Contains("other settings"), tg::Error);
  }
  // Not a checkpoint at all.
  std::ofstream(dir / "junk.ckpt") << "not a safetensors file";
  TrainConfig cfg;
  cfg.epochs = 1;
  cfg.checkpoint = (dir / "junk.ckpt").string();
  cfg.resume = true;
  CHECK_THROWS_AS(make_model("mf", ds)->fit(ds, split, cfg, nullptr), tg::Error);
  cfg.checkpoint_every = -1;
  CHECK_THROWS_WITH_AS(make_model("mf", ds)->fit(ds, split, cfg, nullptr),
                       doctest::Contains("checkpoint_every"), tg::Error);
  fs::remove_all(dir);
}

#ifdef TG_RECSYS_BIN
namespace {

// Runs the CLI with stdout to `out`; returns the pid (not waited for).
pid_t spawn_cli(const std::string& args, const fs::path& out) {
  pid_t pid = fork();
  if (pid == 0) {
    std::string cmd = std::string(TG_RECSYS_BIN) + " " + args + " >" + out.string() + " 2>/dev/null";
    execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

// The JSON line without the keys that legitimately differ between runs.
std::string stable_json(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  for (const char* key : {"\"train_seconds\":", "\"resumed\":"}) {
    auto a = line.find(key);
    if (a == std::string::npos) continue;
    auto b = line.find_first_of(",}", a);
    line.erase(a, b - a);
  }
  return line;
}

}  // namespace

TEST_CASE("checkpoints: a training killed with SIGKILL mid-epoch resumes to the same metrics") {
  fs::path dir = scratch("kill");
  write_synthetic((dir / "data").string(), 300, 400, 30000, 11, "ml-100k");
  const std::string args = "train --model wide_deep --data " + (dir / "data").string() +
                           " --split random --epochs 4 --batch 128 --threads 1 --json -q";
  REQUIRE(wait_exit(spawn_cli(args, dir / "ref.json")) == 0);
  const std::string ckpt = (dir / "run.ckpt").string();
  const std::string ck_args = args + " --checkpoint " + ckpt + " --checkpoint-every 7 --resume";
  // Kill the run as soon as its first checkpoint exists (it writes one every 7 batches of ~170).
  pid_t pid = spawn_cli(ck_args, dir / "killed.json");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!fs::exists(ckpt) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  REQUIRE(fs::exists(ckpt));
  kill(pid, SIGKILL);
  CHECK(wait_exit(pid) == -SIGKILL);
  tg::nn::Checkpoint c = tg::nn::load_checkpoint(ckpt);  // atomic: always a complete file
  MESSAGE("killed at epoch " << c.metadata["epoch"] << ", batch " << c.metadata["batch"]);
  CHECK(c.metadata["finished"] == "0");
  REQUIRE(wait_exit(spawn_cli(ck_args, dir / "resumed.json")) == 0);
  std::string ref = stable_json(dir / "ref.json"), resumed = stable_json(dir / "resumed.json");
  CHECK(!ref.empty());
  CHECK(resumed == ref);
  std::ifstream in(dir / "resumed.json");
  std::string line;
  std::getline(in, line);
  CHECK(line.find("\"resumed\":true") != std::string::npos);
  fs::remove_all(dir);
}
#endif

TEST_CASE("ranking models: save and load through the rating model file format") {
  fs::path dir = scratch("rank_io");
  Dataset ds = synthetic(dir / "data", 60, 1000, 2000);  // >= 99 unseen items per user
  Split split = split_leave_last_out(ds, /*with_valid=*/true);
  for (const std::string& name : ranking_model_names()) {
    CAPTURE(name);
    auto m = make_ranking_model(name);
    TrainConfig cfg;
    cfg.epochs = 2;
    cfg.dim = 8;
    m->fit(ds, split, cfg, nullptr);
    std::string path = (dir / (name + ".safetensors")).string();
    save_model(path, *m, name, ds);
    std::string loaded_name;
    auto loaded = load_model(path, ds, &loaded_name);
    CHECK(loaded_name == name);
    REQUIRE(std::dynamic_pointer_cast<RankingRecommender>(loaded));
    Tensor u = tg::from_vector<int64_t>({0, 1, 2, 59}), i = tg::from_vector<int64_t>({3, 4, 5, 999});
    CHECK(tg::equal(loaded->predict(u, i), m->predict(u, i)));
    auto a = loaded->recommend(3, 5, ds, split.train), b = m->recommend(3, 5, ds, split.train);
    REQUIRE(a.size() == b.size());
    for (size_t k = 0; k < a.size(); ++k) CHECK(a[k].item == b[k].item);
  }
  fs::remove_all(dir);
}

TEST_CASE("blend: validation-fitted weights never do worse on validation than the best member") {
  fs::path dir = scratch("blend");
  Dataset ds = synthetic(dir / "data", 150, 200, 8000);
  Split split = split_random(ds, 0.2, 3);
  carve_validation(split, 0.1, 3);
  std::vector<std::shared_ptr<Recommender>> members;
  std::vector<std::string> names = {"mf", "als"};
  double best_member = INFINITY;
  for (const auto& n : names) {
    auto m = make_model(n, ds);
    TrainConfig cfg;
    cfg.epochs = 4;
    m->fit(ds, split, cfg, nullptr);
    best_member = std::min(best_member, evaluate_ratings(*m, split.valid).rmse);
    members.push_back(m);
  }
  Blend blend(members, names);
  FitReport rep = blend.fit(ds, split, TrainConfig{}, nullptr);
  MESSAGE("blend valid RMSE " << rep.best_valid_rmse << ", best member " << best_member << ", "
                              << blend.extra_repr());
  CHECK(rep.best_valid_rmse <= best_member + 1e-3);
  REQUIRE(blend.weights().size() == 3);
  Tensor p = blend.predict(tg::from_vector<int64_t>({0, 1, 100000}), tg::from_vector<int64_t>({0, 2, 3}));
  for (float v : p.to_vector<float>()) CHECK((v >= 1.0f && v <= 5.0f));
  CHECK_THROWS_AS(Blend({}, {}), tg::Error);
  CHECK_THROWS_WITH_AS(Blend(members, {"mf"}), doctest::Contains("names"), tg::Error);
  Blend unfitted(members, names);
  CHECK_THROWS_WITH_AS(unfitted.predict(tg::from_vector<int64_t>({0}), tg::from_vector<int64_t>({0})),
                       doctest::Contains("fit first"), tg::Error);
  fs::remove_all(dir);
}
