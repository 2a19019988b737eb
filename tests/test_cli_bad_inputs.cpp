// tests/test_cli_bad_inputs.cpp — malformed data folders, end to end through tapegrad-recsys.
//
// One table row per kind of bad input. Each row is written into a fresh temporary folder and
// `tapegrad-recsys train --data DIR --out OUT/model.safetensors` is run on it. Every row checks:
// the exit status (1 for data errors, 0 for inputs that must load), that the process ended by
// exit rather than a signal, that stderr names FILE:LINE and the problem, and that a failed run
// leaves nothing at --out (nor a temporary file beside it).
//
// Decisions the table records: CRLF line endings and a UTF-8 byte-order mark are accepted in
// every format (as documented in recsys/data/text.h); Latin-1 titles load (converted to UTF-8) in
// the GroupLens formats, while CSV files must be UTF-8; a line longer than 1 MiB in a ratings file
// is an error found after reading one chunk (a 1 GiB line is tested with a sparse file, so the
// test writes almost nothing and runs in well under a second).
#include <doctest/doctest.h>

#ifdef TG_RECSYS_BIN
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

extern char** environ;

#include "temp_dir.h"

namespace fs = std::filesystem;

namespace {

// A fresh temporary folder, removed with the object.
struct TempDir : tg_test::TempDir {
  TempDir() : tg_test::TempDir("tg_cli_bad") {}
};

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct RunResult {
  bool exited = false;  // false: killed by a signal (a crash)
  int status = -1;      // exit status, or the signal number
  std::string err;
};

// Runs TG_RECSYS_BIN with `args` (no shell), stdout to /dev/null, stderr captured.
RunResult run(const std::vector<std::string>& args, const std::string& err_file) {
  std::vector<std::string> all{TG_RECSYS_BIN};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  RunResult r;
  int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  REQUIRE(rc == 0);
  int st = 0;
  REQUIRE(::waitpid(pid, &st, 0) == pid);
  r.exited = WIFEXITED(st);
  r.status = r.exited ? WEXITSTATUS(st) : WTERMSIG(st);
  r.err = read_text(err_file);
  return r;
}

// A small valid u.data: every one of 8 users rates all of 30 items (240 ratings: enough for a
// random split with a validation part carved per user, and one quick epoch).
std::string valid_udata(const std::string& eol = "\n") {
  std::string s;
  for (int k = 0; k < 240; ++k)
    s += std::to_string(1 + k % 8) + "\t" + std::to_string(1 + k / 8) + "\t" +
         std::to_string(1 + k % 5) + "\t" + std::to_string(880000000 + k) + eol;
  return s;
}

std::string valid_ratings_csv(const std::string& eol = "\n") {
  std::string s = "userId,movieId,rating,timestamp" + eol;
  for (int k = 0; k < 240; ++k)
    s += std::to_string(1 + k % 8) + "," + std::to_string(1 + k / 8) + "," +
         std::to_string(k % 5) + ".5," + std::to_string(1500000000 + k) + eol;
  return s;
}

std::string item_line(int id, const std::string& title) {
  std::string s = std::to_string(id) + "|" + title + "|01-Jan-1995||http://example.org";
  for (int g = 0; g < 19; ++g) s += g == id % 19 ? "|1" : "|0";
  return s + "\n";
}

std::string crlf(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '\n' ? std::string("\r\n") : std::string(1, c);
  return out;
}

struct File {
  std::string name, content;
  int64_t sparse_bytes = 0;  // > 0: extend the file to this size with a hole (reads as NULs)
};

struct Case {
  const char* what;
  std::vector<File> files;
  int status;                          // expected exit status
  std::vector<std::string> err_has;    // substrings stderr must contain ("DIR" is the folder)
  std::vector<std::string> extra = {};  // more arguments (e.g. --skip-bad-lines)
};

std::vector<Case> cases() {
  const std::string udata = valid_udata();
  std::string latin1_items;
  for (int id = 1; id <= 8; ++id)
    latin1_items += item_line(id, id == 2 ? "Mis\xE9rables, Les (1995)" : id == 3 ? "Cit\xE9 (1996)" : "Film " + std::to_string(id));
  return {
      // ---- inputs that must load ------------------------------------------------------------
      {"valid ml-100k", {{"u.data", udata}}, 0, {}},
      {"CRLF line endings (u.data, u.item, u.user)",
       {{"u.data", valid_udata("\r\n")},
        {"u.item", crlf(item_line(1, "A (1995)") + item_line(2, "B (1996)"))},
        {"u.user", "1|24|M|writer|00001\r\n2|30|F|other|00002\r\n"}},
       0, {}},
      {"CRLF csv", {{"ratings.csv", valid_ratings_csv("\r\n")}, {"movies.csv", "movieId,title,genres\r\n1,\"A, The (1995)\",Drama\r\n"}}, 0, {}},
      {"UTF-8 byte-order mark", {{"u.data", "\xEF\xBB\xBF" + udata}}, 0, {}},
      {"Latin-1 titles in u.item", {{"u.data", udata}, {"u.item", latin1_items}}, 0, {}},
      {"ids up to 2^63-1 (hashed id maps)",
       {{"u.data", udata + "9223372036854775807\t4611686018427387904\t3\t1\n"}}, 0, {}},
      {"bad lines skipped with --skip-bad-lines",
       {{"u.data", udata + "1\t2\tx\t3\n1\t2\n"}}, 0, {"skipped 2 bad lines"}, {"--skip-bad-lines"}},
      // ---- data errors: exit 1, FILE:LINE: problem --------------------------------------------
      {"missing folder", {}, 1, {"is not a directory"}},
      {"no ratings file", {{"u.item", latin1_items}}, 1, {"no MovieLens data in", "u.data"}},
      {"empty u.data", {{"u.data", ""}}, 1, {"u.data:1: file is empty"}},
      {"blank u.data", {{"u.data", "\n \n\t\n"}}, 1, {"u.data:1: file is empty"}},
      {"a folder named u.data", {{"u.data/x", "1"}}, 1, {"no MovieLens data in"}},
      {"wrong field count", {{"u.data", "1\t2\t3\t4\n1\t2\t3\n"}}, 1,
       {"u.data:2: expected 4 fields (user, item, rating, timestamp) separated by TAB, got 3"}},
      {"wrong separator (ml-1m)", {{"ratings.dat", "1::2::3::4\n1:2:3:4\n"}}, 1,
       {"ratings.dat:2: expected 4 fields", "'::'"}},
      {"non-numeric rating", {{"u.data", udata + "1\t2\tfour\t5\n"}}, 1,
       {"u.data:241: rating 'four' is not a number"}},
      {"rating above 10", {{"u.data", "1\t2\t11\t5\n"}}, 1, {"u.data:1: rating 11", "out of range [0, 10]"}},
      {"negative rating", {{"u.data", "1\t2\t-0.5\t5\n"}}, 1, {"u.data:1: rating -0.5", "out of range"}},
      {"NaN rating", {{"u.data", "1\t2\tnan\t5\n"}}, 1, {"u.data:1: rating nan", "out of range"}},
      {"negative user id", {{"u.data", "-3\t2\t4\t5\n"}}, 1, {"u.data:1: user id -3 is out of range"}},
      {"negative item id", {{"ratings.csv", "userId,movieId,rating,timestamp\n1,-2,4,5\n"}}, 1,
       {"ratings.csv:2: item id -2 is out of range"}},
      {"id beyond int64", {{"u.data", "99999999999999999999\t2\t4\t5\n"}}, 1,
       {"u.data:1: user id '99999999999999999999' is not an integer (or out of range)"}},
      {"non-numeric timestamp", {{"u.data", "1\t2\t4\tyesterday\n"}}, 1,
       {"u.data:1: timestamp 'yesterday' is not an integer"}},
      {"not UTF-8 in ratings", {{"u.data", "1\t2\t4\t5 \xFF\n"}}, 1, {"u.data:1: invalid UTF-8"}},
      {"UTF-16 file", {{"u.data", std::string("\xFF\xFE" "1\0\t\0", 6)}}, 1,
       {"u.data:1: unsupported encoding (UTF-16/UTF-32 byte-order mark)"}},
      {"binary garbage", {{"u.data", std::string("\x7f" "ELF\x02\x01\x01\0\0\0\n\x03\0>\0", 15)}}, 1,
       {"u.data:1: expected 4 fields"}},
      {"a 1 GiB line (sparse file)", {{"u.data", "1\t2\t4\t5\n", int64_t{1} << 30}}, 1,
       {"u.data:2: line is longer than 1048576 bytes"}},
      {"a 1 GiB line of digits is cut at 1 MiB",
       {{"u.data", "1\t2\t4\t5\n" + std::string(size_t{3} << 20, '7')}}, 1,
       {"u.data:2: line is longer than 1048576 bytes"}},
      {"a 1 GiB u.item (sparse file)", {{"u.data", udata}, {"u.item", item_line(1, "A (1995)"), int64_t{1} << 30}}, 1,
       {"u.item: 1073741824 bytes is more than a metadata file may have (256 MiB)"}},
      {"csv: wrong header", {{"ratings.csv", "user,movie,stars,time\n1,2,3,4\n"}}, 1,
       {"ratings.csv:1: expected the header userId,movieId,rating,timestamp"}},
      {"csv: unterminated quote in movies.csv",
       {{"ratings.csv", valid_ratings_csv()}, {"movies.csv", "movieId,title,genres\n1,A,Drama\n2,\"B, The,Drama\n"}},
       1, {"movies.csv:3: malformed quoted field"}},
      {"csv: Latin-1 title in movies.csv",
       {{"ratings.csv", valid_ratings_csv()}, {"movies.csv", "movieId,title,genres\n1,Cit\xE9 (1996),Drama\n"}},
       1, {"movies.csv:2: invalid UTF-8"}},
      {"u.item: wrong genre flags", {{"u.data", udata}, {"u.item", "1|A|01-Jan-1995||u|0|0|2|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n"}},
       1, {"u.item:1: genre flags must be 0 or 1"}},
      {"u.user: age out of range", {{"u.data", udata}, {"u.user", "1|24|M|x|1\n2|999|F|y|2\n"}}, 1,
       {"u.user:2: age '999' is not an integer in [0, 150]"}},
      {"RecBole: header without types", {{"ml.inter", "user_id\titem_id\n1\t2\n"}}, 1,
       {"ml.inter:1: header field 'user_id' has no ':type'"}},
  };
}

}  // namespace

TEST_CASE("tapegrad-recsys bad inputs: clean exit status, FILE:LINE on stderr, no partial --out") {
  for (const Case& c : cases()) {
    INFO("case: " << std::string(c.what));
    TempDir tmp;
    const std::string data = tmp.path + "/data", out_dir = tmp.path + "/out";
    fs::create_directory(out_dir);
    if (std::string(c.what) != "missing folder") fs::create_directory(data);
    for (const File& f : c.files) {
      std::string path = data + "/" + f.name;
      fs::create_directories(fs::path(path).parent_path());
      write_file(path, f.content);
      if (f.sparse_bytes > 0) fs::resize_file(path, static_cast<uintmax_t>(f.sparse_bytes));
    }
    std::vector<std::string> args{"train", "--model", "mf", "--split", "random", "--epochs", "1",
                                  "--quiet", "--data", data, "--out", out_dir + "/model.safetensors"};
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    RunResult r = run(args, tmp.path + "/stderr.txt");
    INFO("stderr: " << r.err.substr(0, 600));
    REQUIRE_MESSAGE(r.exited, "killed by signal " << r.status);
    CHECK(r.status == c.status);
    for (const std::string& want : c.err_has) CHECK_MESSAGE(r.err.find(want) != std::string::npos, "missing: " << want);
    if (c.status != 0) {
      CHECK(r.err.find("tapegrad-recsys: error: load_dataset: ") == 0);
      if (!c.files.empty() && c.files[0].name.find('/') == std::string::npos && c.status == 1 &&
          std::string(c.what) != "no ratings file")
        CHECK(r.err.find(data + "/") != std::string::npos);  // the full path, not just the name
      CHECK(fs::is_empty(out_dir));  // no model, no temporary file
    } else {
      CHECK(fs::exists(out_dir + "/model.safetensors"));
    }
  }
}

namespace {

// A safetensors file holding ids.users = 1..8 and ids.items = 1..30 (the ids of valid_udata()) and
// the given metadata entries (JSON "key": "value" pairs, already quoted), so load_model gets past
// the id check to the metadata it parses.
std::string model_file(const std::string& metadata) {
  std::string data;
  auto i64s = [&](int n) {
    for (int64_t v = 1; v <= n; ++v) data.append(reinterpret_cast<const char*>(&v), 8);
  };
  i64s(8);
  i64s(30);
  std::string header = "{\"__metadata__\":{" + metadata +
                       "},\"ids.users\":{\"dtype\":\"I64\",\"shape\":[8],\"data_offsets\":[0,64]},"
                       "\"ids.items\":{\"dtype\":\"I64\",\"shape\":[30],\"data_offsets\":[64,304]}}";
  while (header.size() % 8) header += ' ';
  uint64_t n = header.size();
  return std::string(reinterpret_cast<const char*>(&n), 8) + header + data;
}

}  // namespace

TEST_CASE("tapegrad-recsys bad inputs: malformed model files are clean errors, not crashes") {
  auto meta = [](const std::string& dim, const std::string& seed) {
    return "\"format\":\"tapegrad-recsys-model\",\"model\":\"mf\",\"epochs\":\"1\",\"lr\":\"0.01\","
           "\"batch\":\"256\",\"optimizer\":\"adam\",\"weight_decay\":\"0.1\",\"mean\":\"3.5\","
           "\"dim\":\"" + dim + "\",\"seed\":\"" + seed + "\"";
  };
  const std::vector<std::pair<std::string, std::string>> rows = {
      // {file bytes, what stderr must say}
      {"not a model at all\n", "load_safetensors: "},
      {model_file(meta("8", "42")).substr(0, 100), "load_safetensors: "},
      {model_file("\"format\":\"tapegrad-recsys-model\""), "metadata 'model' is missing"},  // was std::out_of_range
      {model_file(meta("nan", "42")), "metadata 'dim' is not a finite number: nan"},
      {model_file(meta("1e300", "42")), "metadata 'dim' must be an integer in [-1, 65536]"},  // was UB
      {model_file(meta("2.5", "42")), "metadata 'dim' must be an integer"},
      {model_file(meta("8", "-1")), "metadata 'seed' is not an unsigned 64-bit integer: -1"},
      {model_file(meta("8", "42") + ",\"option.init_std\":\"-1\""),
       "metadata 'option.init_std': BiasedMF: option init_std must be in [0, 10], got -1"},
      {model_file(meta("8", "42") + ",\"option.depth\":\"3\""), "unknown option 'depth'"},
  };
  for (const auto& [bytes, want] : rows) {
    INFO("expecting: " << want);
    TempDir tmp;
    const std::string data = tmp.path + "/data";
    fs::create_directory(data);
    write_file(data + "/u.data", valid_udata());
    write_file(tmp.path + "/m.safetensors", bytes);
    RunResult r = run({"recommend", "--data", data, "--model-file", tmp.path + "/m.safetensors",
                       "--user", "1"},
                      tmp.path + "/stderr.txt");
    INFO("stderr: " << r.err.substr(0, 600));
    REQUIRE_MESSAGE(r.exited, "killed by signal " << r.status);
    CHECK(r.status == 1);
    CHECK(r.err.find("tapegrad-recsys: error: ") == 0);
    CHECK(r.err.find(want) != std::string::npos);
  }
}

TEST_CASE("tapegrad-recsys bad inputs: --set with an unknown or bad model setting is a usage error") {
  TempDir tmp;
  const std::string data = tmp.path + "/data";
  fs::create_directory(data);
  write_file(data + "/u.data", valid_udata());
  const std::vector<std::pair<std::vector<std::string>, std::string>> rows = {
      {{"train", "--model", "deep_mf", "--set", "depth=3"}, "DeepMF: unknown option 'depth' (its options: "},
      {{"train", "--model", "deep_mf", "--set", "dot"}, "expected NAME=VALUE or MODEL.NAME=VALUE"},
      {{"train", "--model", "deep_mf", "--set", "hidden=0"}, "option hidden must be in [2, 65536]"},
      {{"train", "--model", "mf", "--set", "deep_mf.dot=false"}, "names model deep_mf, but --model is mf"},
      {{"compare", "--models", "mf,als", "--set", "dot=false"}, "no model in the comparison has option dot"},
  };
  for (const auto& [args, want] : rows) {
    INFO("expecting: " << want);
    std::vector<std::string> a = args;
    for (const std::string& x : {std::string("--split"), std::string("random"), std::string("--quiet"),
                                 std::string("--data"), data})
      a.push_back(x);
    RunResult r = run(a, tmp.path + "/stderr.txt");
    INFO("stderr: " << r.err.substr(0, 600));
    REQUIRE(r.exited);
    CHECK(r.status == 2);
    CHECK(r.err.find(want) != std::string::npos);
  }
}

TEST_CASE("tapegrad-recsys bad inputs: a bad TG_GEMM is a clean error naming the variable") {
  TempDir tmp;
  const std::string data = tmp.path + "/data";
  fs::create_directory(data);
  write_file(data + "/u.data", valid_udata());
  // The child inherits this process's environment (posix_spawn with environ).
  REQUIRE(::setenv("TG_GEMM", "mkl", 1) == 0);
  RunResult r = run({"train", "--model", "deep_mf", "--split", "random", "--epochs", "1", "--quiet",
                     "--set", "pretrain=false", "--data", data},
                    tmp.path + "/stderr.txt");
  ::unsetenv("TG_GEMM");
  INFO("stderr: " << r.err);
  REQUIRE(r.exited);
  CHECK(r.status == 1);
  CHECK(r.err.find("TG_GEMM=mkl: unknown GEMM backend 'mkl' (expected auto, tapegrad, eigen or openblas)") !=
        std::string::npos);
}

TEST_CASE("tapegrad-recsys bad inputs: an unwritable --out fails cleanly after training") {
  TempDir tmp;
  const std::string data = tmp.path + "/data";
  fs::create_directory(data);
  write_file(data + "/u.data", valid_udata());
  RunResult r = run({"train", "--model", "mf", "--split", "random", "--epochs", "1", "--quiet",
                     "--data", data, "--out", tmp.path + "/no/such/dir/model.safetensors"},
                    tmp.path + "/stderr.txt");
  INFO("stderr: " << r.err);
  REQUIRE(r.exited);
  CHECK(r.status == 1);
  CHECK(r.err.find("tapegrad-recsys: error: ") == 0);
  CHECK(r.err.find("no/such/dir/model.safetensors") != std::string::npos);
}
#endif
