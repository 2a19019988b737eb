// recsys/cli/cli.h — the command line of tapegrad-recsys: every subcommand and option, defined
// in one place (cli.cpp) so that main.cpp only dispatches and the argument-parsing fuzz target
// can parse exactly what the command parses without running it.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include <tapegrad/recsys/models/recommender.h>

namespace tg::recsys::cli {

struct Common {
  std::string data;
  std::string split = "u1";
  bool skip_bad_lines = false;
  bool quiet = false;
  bool json = false;
  int threads = 0;
};

// Everything the command line can set, with its defaults.
struct Args {
  Common common;
  TrainConfig cfg;
  std::string device = "cpu", model = "mf", out_file, model_file, dataset = "ml-100k", dir,
              format = "ml-100k", models_csv, save_dir;
  std::vector<std::string> sets;  // --set NAME=VALUE (model settings, model_options.h)
  int64_t negatives = 0;
  bool no_blend = false;
  int64_t user = 0, item = 0, k = 10, n_users = 1000, n_items = 2000, n_ratings = 100000;
  CLI::App *train = nullptr, *compare = nullptr, *rank = nullptr, *evaluate = nullptr,
           *recommend = nullptr, *similar = nullptr, *fetch = nullptr, *synth = nullptr;
};

// Adds every subcommand and option to app, bound to the fields of a (which must outlive app).
void define(CLI::App& app, Args& a);

}  // namespace tg::recsys::cli
