// tests/fuzz/fuzz_cli.cpp — the tapegrad-recsys command line (recsys/cli/cli.cpp): the same
// CLI::App main() builds, parsed from fuzzed argv, then the checks main() makes before it touches
// any file (device, model names).
//
// Input: argv[1..] separated by whitespace (space, TAB, newline) or NUL bytes.
#include <sstream>

#include <tapegrad/recsys/models/ranking.h>
#include <tapegrad/recsys/models/recommender.h>
#include <tapegrad/tapegrad.h>

#include "../../recsys/cli/cli.h"
#include "dataset_check.h"

namespace {

bool known(const std::vector<std::string>& names, const std::string& n) {
  for (const auto& k : names)
    if (k == n) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> tokens{"tapegrad-recsys"};
  std::string cur;
  bool in_token = false;
  for (char c : in) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\0') {
      if (in_token) tokens.push_back(std::move(cur));
      cur.clear();
      in_token = false;
    } else {
      cur.push_back(c);
      in_token = true;
    }
  }
  if (in_token) tokens.push_back(std::move(cur));
  std::vector<char*> argv;
  for (auto& t : tokens) argv.push_back(t.data());
  argv.push_back(nullptr);

  CLI::App app{"tapegrad-recsys: MovieLens recommenders built on tapegrad"};
  tg::recsys::cli::Args a;
  tg::recsys::cli::define(app, a);
  try {
    app.parse(static_cast<int>(tokens.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    std::ostringstream out, err;  // what main() prints: help, version or the error
    app.exit(e, out, err);
    return 0;
  }
  try {
    tg::Device d = tg::parse_device(a.device);
    (void)d;
    (void)known(tg::recsys::model_names(), a.model);
    std::stringstream ss(a.models_csv);
    for (std::string n; std::getline(ss, n, ',');)
      (void)(known(tg::recsys::model_names(), n) || known(tg::recsys::ranking_model_names(), n));
    (void)app.help();
  } catch (const tg::Error& e) {
    tg::fuzz::expect_clean_error(e);
  }
  return 0;
}
