// recsys/cli/main.cpp — tapegrad-recsys: train, evaluate, compare and query recommenders on
// MovieLens. `tapegrad-recsys --help` lists the commands; each has its own --help.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <tapegrad/recsys/data/dataset.h>
#include <tapegrad/recsys/data/fetch.h>
#include <tapegrad/recsys/data/split.h>
#include <tapegrad/recsys/data/synthetic.h>
#include <tapegrad/recsys/models/blend.h>
#include <tapegrad/recsys/models/ranking.h>
#include <tapegrad/recsys/models/recommender.h>
#include <tapegrad/tapegrad.h>

#include "cli.h"

namespace {

using namespace tg::recsys;
using tg::recsys::cli::Common;


// Usage errors (bad flags, unknown model/user) exit with 2 after printing the usage.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string data_dir(const Common& c) {
  if (!c.data.empty()) return c.data;
  if (const char* env = std::getenv("TG_DATA_DIR"); env && *env) return env;
  throw UsageError("no data folder: pass --data DIR or set TG_DATA_DIR (fetch one with "
                   "`tapegrad-recsys fetch --dataset ml-100k --dir DIR`)");
}

Dataset load(const Common& c) {
  LoadOptions o;
  o.skip_bad_lines = c.skip_bad_lines;
  Dataset ds = load_dataset(data_dir(c), o);
  if (ds.skipped_lines > 0)
    std::cerr << "tapegrad-recsys: skipped " << ds.skipped_lines << " bad lines\n";
  return ds;
}

// The split named on the command line, with a validation part carved from train for early
// stopping (hyperparameters and stopping never look at the test part).
Split make_split(const Dataset& ds, const Common& c, uint64_t seed) {
  Split s;
  const std::string& n = c.split;
  if (n == "random") s = split_random(ds, 0.2, seed);
  else if (n == "per-user") s = split_per_user(ds, 0.2, seed);
  else if (n == "temporal") s = split_temporal(ds, 0.2);
  else if (n == "loo") s = split_leave_last_out(ds, false);
  else {
    bool known = false;
    for (const auto& p : ds.predefined_splits) known = known || p == n;
    if (!known)
      throw UsageError("unknown split '" + n + "' for " + ds.name +
                       " (use random, per-user, temporal, loo" +
                       (ds.predefined_splits.empty() ? std::string() : ", or a GroupLens file split such as u1") + ")");
    s = split_predefined(ds, n);
  }
  if (s.valid.size() == 0) carve_validation(s, 0.05, seed);
  return s;
}

void set_threads(int threads) {
#ifdef _OPENMP
  if (threads > 0) omp_set_num_threads(threads);
#else
  (void)threads;
#endif
}

// A progress bar on a terminal, one line per epoch otherwise.
ProgressFn progress_printer(const std::string& model, bool quiet) {
  if (quiet) return nullptr;
  const bool tty = isatty(STDERR_FILENO);
  auto start = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  return [model, tty, start](int64_t epoch, int64_t epochs, int64_t batch, int64_t batches, double loss) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - *start).count();
    double done = (static_cast<double>(epoch - 1) + static_cast<double>(batch) / static_cast<double>(batches)) /
                  static_cast<double>(epochs);
    double eta = done > 0 ? secs / done - secs : 0;
    if (tty) {
      const int width = 24;
      int filled = static_cast<int>(done * width);
      std::fprintf(stderr, "\r%-10s epoch %3lld/%-3lld [%s%s] %6.1f batch/s  loss %.4f  ETA %4.0fs ",
                   model.c_str(), static_cast<long long>(epoch), static_cast<long long>(epochs),
                   std::string(static_cast<size_t>(filled), '#').c_str(),
                   std::string(static_cast<size_t>(width - filled), '.').c_str(),
                   secs > 0 ? (static_cast<double>((epoch - 1) * batches + batch)) / secs : 0.0, loss, eta);
      if (epoch == epochs && batch == batches) std::fprintf(stderr, "\n");
    } else if (batch == batches) {
      std::fprintf(stderr, "%s epoch %lld/%lld loss %.4f (%.1fs)\n", model.c_str(),
                   static_cast<long long>(epoch), static_cast<long long>(epochs), loss, secs);
    }
  };
}

struct Result {
  std::string model;
  bool binary = false;  // task "binary": `bin` holds the test metrics, `test` is unused
  BinaryEval bin;
  RatingEval test;
  RankEval rank;
  FitReport fit;
  int64_t params = 0;
};

// Evaluates a fitted model on split.test (and saves it when out_file is set).
Result evaluate_one(const std::string& name, Recommender& model, const FitReport& rep, const Dataset& ds,
                    const Split& split, const TrainConfig& cfg, const std::string& out_file) {
  Result r;
  r.model = name;
  r.fit = rep;
  r.binary = cfg.task == "binary";
  if (r.binary) r.bin = evaluate_binary(model, split.test);
  else r.test = evaluate_ratings(model, split.test);
  r.rank = evaluate_ranking(model, ds, split.train, split.test, 10);
  // Learnt numbers: parameters, and buffers learnt without autograd (ALS factors); not the
  // global mean, the item2vec input features or SVD++'s implicit item lists (data, not weights).
  for (auto& [n, t] : model.state_dict())
    if (n != "global_mean" && n.rfind("behaviour_", 0) != 0 && n != "implicit_items" &&
        n != "implicit_offsets")
      r.params += t.numel();
  if (!out_file.empty()) save_model(out_file, model, name, ds);
  return r;
}

// --set NAME=VALUE or MODEL.NAME=VALUE: a model setting beyond TrainConfig (model_options.h).
struct OptionSet {
  std::string text, model, name, value;
  bool used = false;
};

std::vector<OptionSet> parse_sets(const std::vector<std::string>& sets) {
  std::vector<OptionSet> out;
  for (const std::string& s : sets) {
    const size_t eq = s.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("--set " + s + ": expected NAME=VALUE or MODEL.NAME=VALUE");
    OptionSet o;
    o.text = s;
    o.name = s.substr(0, eq);
    o.value = s.substr(eq + 1);
    if (const size_t dot = o.name.find('.'); dot != std::string::npos) {
      o.model = o.name.substr(0, dot);
      o.name = o.name.substr(dot + 1);
    }
    out.push_back(o);
  }
  return out;
}

// Applies the settings that name `name` (MODEL.NAME) to it; a bare NAME applies when the model has
// that option, or always when `strict` (then an unknown name is an error listing its options).
void apply_sets(Recommender& model, const std::string& name, std::vector<OptionSet>& sets,
                bool strict) {
  for (OptionSet& o : sets) {
    if (!o.model.empty() ? o.model != name : !(strict || model.has_option(o.name))) continue;
    try {
      model.set_option(o.name, o.value);
    } catch (const tg::Error& e) {
      throw UsageError("--set " + o.text + ": " + e.what());
    }
    o.used = true;
  }
}

Result train_one(const std::string& name, const Dataset& ds, const Split& split, const TrainConfig& cfg,
                 bool quiet, const std::string& out_file, std::vector<OptionSet>& sets,
                 bool strict_sets, std::shared_ptr<Recommender>* keep = nullptr) {
  auto model = make_model(name, ds);
  apply_sets(*model, name, sets, strict_sets);
  FitReport rep = model->fit(ds, split, cfg, progress_printer(name, quiet));
  if (!quiet && isatty(STDERR_FILENO)) std::fprintf(stderr, "\n");
  if (keep) *keep = model;
  return evaluate_one(name, *model, rep, ds, split, cfg, out_file);
}

// "openblas" or "eigen (avx512)": the GEMM backend in use (results differ in the last bits).
std::string gemm_backend_short() {
  const std::string full = tg::gemm_backend();
  return full.substr(0, full.find(';'));
}

nlohmann::json to_json(const Result& r, const Dataset& ds, const std::string& split) {
  nlohmann::json j = {{"model", r.model},         {"dataset", ds.name},
                      {"split", split},           {"task", r.binary ? "binary" : "rating"},
                      {"hr@10", r.rank.hr},       {"ndcg@10", r.rank.ndcg},
                      {"epochs", r.fit.epochs_run}, {"best_epoch", r.fit.best_epoch},
                      {"valid_" + r.fit.valid_metric, r.fit.best_valid_rmse},
                      {"train_seconds", r.fit.train_seconds}, {"params", r.params},
                      {"resumed", r.fit.resumed}, {"gemm_backend", gemm_backend_short()}};
  if (r.binary) {  // no rating predictions: RMSE and MAE do not apply
    j["rmse"] = nullptr;
    j["mae"] = nullptr;
    j["auc"] = r.bin.auc;
    j["logloss"] = r.bin.logloss;
    j["accuracy"] = r.bin.accuracy;
  } else {
    j["rmse"] = r.test.rmse;
    j["mae"] = r.test.mae;
  }
  return j;
}

void print_table(const std::vector<Result>& rs) {
  const bool binary = !rs.empty() && rs.front().binary;
  std::printf("%-10s %8s %8s %8s %8s %7s %9s %10s\n", "model", binary ? "AUC" : "RMSE",
              binary ? "LogLoss" : "MAE", "HR@10", "NDCG@10", "epochs", "train s", "params");
  for (const Result& r : rs)
    std::printf("%-10s %8.4f %8.4f %8.4f %8.4f %7lld %9.1f %10lld\n", r.model.c_str(),
                r.binary ? r.bin.auc : r.test.rmse, r.binary ? r.bin.logloss : r.test.mae, r.rank.hr,
                r.rank.ndcg, static_cast<long long>(r.fit.epochs_run), r.fit.train_seconds,
                static_cast<long long>(r.params));
}

void check_model_name(const std::string& name) {
  for (const auto& n : model_names())
    if (n == name) return;
  std::string known;
  for (const auto& n : model_names()) known += (known.empty() ? "" : ", ") + n;
  throw UsageError("unknown model '" + name + "' (expected one of: " + known + ")");
}

int64_t dense_user(const Dataset& ds, int64_t raw) {
  auto d = ds.users.find(raw);
  if (!d) throw UsageError("unknown user " + std::to_string(raw) + " in " + ds.name);
  return *d;
}

int64_t dense_item(const Dataset& ds, int64_t raw) {
  auto d = ds.items.find(raw);
  if (!d) throw UsageError("unknown item " + std::to_string(raw) + " in " + ds.name);
  return *d;
}

// ---- rank: implicit-feedback ranking on leave-last-out ----------------------------------------
struct RankResult {
  std::string model;
  RankingReport report;
  FitReport fit;
};

std::vector<std::string> split_csv(const std::string& csv) {
  std::vector<std::string> out;
  std::stringstream ss(csv);
  for (std::string n; std::getline(ss, n, ',');)
    if (!n.empty()) out.push_back(n);
  return out;
}

void check_ranking_model_name(const std::string& name) {
  for (const auto& n : ranking_model_names())
    if (n == name) return;
  std::string known;
  for (const auto& n : ranking_model_names()) known += (known.empty() ? "" : ", ") + n;
  throw UsageError("unknown ranking model '" + name + "' (expected one of: " + known + ")");
}

nlohmann::json to_json(const RankResult& r, const Dataset& ds) {
  return {{"model", r.model},
          {"dataset", ds.name},
          {"split", "loo"},
          {"hr@10_sampled", r.report.hr_sampled},
          {"ndcg@10_sampled", r.report.ndcg_sampled},
          {"hr@10", r.report.hr_full},
          {"ndcg@10", r.report.ndcg_full},
          {"users", r.report.users},
          {"epochs", r.fit.epochs_run},
          {"best_epoch", r.fit.best_epoch},
          {"valid_hr@10_sampled", r.fit.valid_curve.empty() ? 0.0 : *std::max_element(r.fit.valid_curve.begin(), r.fit.valid_curve.end())},
          {"train_seconds", r.fit.train_seconds},
          {"eval_seconds", r.report.eval_seconds}};
}

void print_rank_table(const std::vector<RankResult>& rs) {
  std::printf("%-11s %11s %13s %9s %11s %7s %8s\n", "model", "HR@10 (99)", "NDCG@10 (99)",
              "HR@10", "NDCG@10", "epochs", "train s");
  for (const RankResult& r : rs)
    std::printf("%-11s %11.4f %13.4f %9.4f %11.4f %7lld %8.1f\n", r.model.c_str(), r.report.hr_sampled,
                r.report.ndcg_sampled, r.report.hr_full, r.report.ndcg_full,
                static_cast<long long>(r.fit.epochs_run), r.fit.train_seconds);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tapegrad-recsys: MovieLens recommenders built on tapegrad"};
  tg::recsys::cli::Args a;
  tg::recsys::cli::define(app, a);
  const Common& c = a.common;
  TrainConfig& cfg = a.cfg;

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  try {
    set_threads(c.threads);
    cfg.device = tg::parse_device(a.device);
    if (!cfg.device.is_cpu()) {
      try {
        (void)tg::empty({1}, tg::kFloat32, cfg.device);
      } catch (const tg::Error& e) {
        throw UsageError("--device " + a.device + ": " + e.what());
      }
    }
    if (*a.train) {
      check_model_name(a.model);
      Dataset ds = load(c);
      Split split = make_split(ds, c, cfg.seed);
      std::vector<OptionSet> sets = parse_sets(a.sets);
      for (const OptionSet& o : sets)
        if (!o.model.empty() && o.model != a.model)
          throw UsageError("--set " + o.text + ": names model " + o.model + ", but --model is " + a.model);
      Result r = train_one(a.model, ds, split, cfg, c.quiet, a.out_file, sets, /*strict_sets=*/true);
      if (c.json) std::cout << to_json(r, ds, c.split).dump() << std::endl;
      else print_table({r});
    } else if (*a.compare) {
      std::vector<std::string> names;
      if (a.models_csv.empty()) names = model_names();
      else {
        std::stringstream ss(a.models_csv);
        for (std::string n; std::getline(ss, n, ',');)
          if (!n.empty()) names.push_back(n);
      }
      for (const auto& n : names) check_model_name(n);  // fail fast, before loading anything
      std::vector<OptionSet> sets = parse_sets(a.sets);
      for (const OptionSet& o : sets)
        if (!o.model.empty() && std::find(names.begin(), names.end(), o.model) == names.end())
          throw UsageError("--set " + o.text + ": model " + o.model + " is not in the comparison");
      Dataset ds = load(c);
      {  // every --set must fit some model, checked on untrained models before any training
        std::vector<OptionSet> probe = sets;
        for (const auto& n : names) apply_sets(*make_model(n, ds), n, probe, /*strict=*/false);
        for (const OptionSet& o : probe)
          if (!o.used) throw UsageError("--set " + o.text + ": no model in the comparison has option " + o.name);
      }
      Split split = make_split(ds, c, cfg.seed);
      std::vector<Result> results;
      std::vector<std::shared_ptr<Recommender>> trained;
      for (const auto& n : names) {
        TrainConfig mc;
        mc.seed = cfg.seed;
        trained.emplace_back();
        results.push_back(train_one(n, ds, split, mc, c.quiet || c.json,
                                    a.save_dir.empty() ? "" : a.save_dir + "/" + n + ".safetensors",
                                    sets, /*strict_sets=*/false, &trained.back()));
        if (c.json) std::cout << to_json(results.back(), ds, c.split).dump() << std::endl;
      }
      if (trained.size() >= 2 && !a.no_blend) {  // weights fitted on the validation part only
        Blend blend(trained, names);
        TrainConfig bc;
        bc.seed = cfg.seed;
        FitReport rep = blend.fit(ds, split, bc, nullptr);
        results.push_back(evaluate_one("blend", blend, rep, ds, split, bc, ""));
        if (c.json) std::cout << to_json(results.back(), ds, c.split).dump() << std::endl;
        else if (!c.quiet) std::fprintf(stderr, "blend weights (fitted on validation): %s\n", blend.extra_repr().c_str());
      }
      if (!c.json) {
        std::printf("\n%s, split %s (train %zu, valid %zu, test %zu), seed %llu, GEMM %s\n",
                    ds.name.c_str(), c.split.c_str(), split.train.size(), split.valid.size(),
                    split.test.size(), static_cast<unsigned long long>(cfg.seed),
                    gemm_backend_short().c_str());
        print_table(results);
      }
    } else if (*a.rank) {
      std::vector<std::string> names = a.models_csv.empty() ? ranking_model_names() : split_csv(a.models_csv);
      for (const auto& n : names) check_ranking_model_name(n);
      Dataset ds = load(c);
      Split split = split_leave_last_out(ds, /*with_valid=*/true);
      std::vector<RankResult> results;
      for (const auto& n : names) {
        auto m = make_ranking_model(n);
        TrainConfig mc = cfg;  // unset fields (-1) take the model's defaults
        m->set_negatives(a.negatives);
        RankResult r;
        r.model = n;
        r.fit = m->fit(ds, split, mc, progress_printer(n, c.quiet || c.json));
        if (!c.quiet && !c.json && isatty(STDERR_FILENO)) std::fprintf(stderr, "\n");
        r.report = evaluate_ranking_loo(*m, ds, split, 10, cfg.seed);
        if (!a.save_dir.empty()) save_model(a.save_dir + "/" + n + ".safetensors", *m, n, ds);
        results.push_back(r);
        if (c.json) std::cout << to_json(r, ds).dump() << std::endl;
      }
      if (!c.json) {
        std::printf("\n%s, leave-latest-one-out (train %zu, valid %zu, test %zu users), seed %llu\n",
                    ds.name.c_str(), split.train.size(), split.valid.size(), split.test.size(),
                    static_cast<unsigned long long>(cfg.seed));
        print_rank_table(results);
      }
    } else if (*a.evaluate) {
      Dataset ds = load(c);
      std::string name;
      auto m = load_model(a.model_file, ds, &name);
      if (auto rm = std::dynamic_pointer_cast<RankingRecommender>(m)) {  // saved by rank --save-dir
        Split split = split_leave_last_out(ds, /*with_valid=*/true);
        RankResult r;
        r.model = name;
        r.report = evaluate_ranking_loo(*rm, ds, split, 10, rm->resolved_config().seed);
        if (c.json) std::cout << to_json(r, ds).dump() << std::endl;
        else print_rank_table({r});
        return 0;
      }
      Split split = make_split(ds, c, m->resolved_config().seed);
      Result r;
      r.model = name;
      r.binary = m->resolved_config().task == "binary";
      if (r.binary) r.bin = evaluate_binary(*m, split.test);
      else r.test = evaluate_ratings(*m, split.test);
      r.rank = evaluate_ranking(*m, ds, split.train, split.test, 10);
      if (c.json) std::cout << to_json(r, ds, c.split).dump() << std::endl;
      else print_table({r});
    } else if (*a.recommend || *a.similar) {
      Dataset ds = load(c);
      std::string name;
      auto m = load_model(a.model_file, ds, &name);
      std::vector<Scored> top;
      std::string who;
      if (*a.recommend) {
        top = m->recommend(dense_user(ds, a.user), a.k, ds, ds.ratings);
        who = "user " + std::to_string(a.user);
      } else {
        top = m->similar(dense_item(ds, a.item), a.k);
        who = "\"" + ds.item_info[static_cast<size_t>(dense_item(ds, a.item))].title + "\"";
      }
      if (!c.json) std::printf("%s for %s (%s):\n", *a.recommend ? "Top recommendations" : "Most similar items", who.c_str(), name.c_str());
      int rank = 1;
      for (const Scored& s : top) {
        const std::string& title = ds.item_info[static_cast<size_t>(s.item)].title;
        if (c.json)
          std::cout << nlohmann::json{{"rank", rank}, {"item", ds.items.raw(s.item)}, {"title", title}, {"score", s.score}}.dump() << "\n";
        else
          std::printf("%3d. %-60s (item %lld)  %.3f\n", rank, title.c_str(), static_cast<long long>(ds.items.raw(s.item)), s.score);
        ++rank;
      }
    } else if (*a.fetch) {
      std::string where = fetch_dataset(a.dataset, a.dir);
      std::cout << where << std::endl;
    } else if (*a.synth) {
      write_synthetic(a.dir, a.n_users, a.n_items, a.n_ratings, cfg.seed, a.format);
      std::cout << "wrote " << a.n_ratings << " synthetic ratings to " << a.dir << std::endl;
    }
  } catch (const UsageError& e) {
    std::cerr << "tapegrad-recsys: " << e.what() << "\n\n" << app.help() << std::flush;
    return 2;
  } catch (const tg::Error& e) {
    std::string msg = e.what();
    if (msg.rfind("unknown model", 0) == 0) {
      std::cerr << "tapegrad-recsys: " << msg << "\n\n" << app.help() << std::flush;
      return 2;
    }
    std::cerr << "tapegrad-recsys: error: " << msg << std::endl;
    return 1;
  }
  return 0;
}
