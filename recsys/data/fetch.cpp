// recsys/data/fetch.cpp — fetch_dataset: GroupLens download, RecBole-wheel fallback.
#include "fetch.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "../../tensor/error.h"
#include "dataset.h"
#include "text.h"

namespace tg::recsys {
namespace {

std::string quote(const std::string& s) {  // for /bin/sh
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('\'');
  for (char c : s) {
    if (c == '\'') out.append("'\\''");
    else out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

bool have(const char* tool) {
  return std::system(("command -v " + std::string(tool) + " >/dev/null 2>&1").c_str()) == 0;
}

bool run(const std::string& cmd) { return std::system(cmd.c_str()) == 0; }

bool is_dir(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void make_dirs(const std::string& dir) {
  std::string partial;
  for (size_t i = 0; i <= dir.size(); ++i) {
    if ((i == dir.size() || dir[i] == '/') && !partial.empty()) ::mkdir(partial.c_str(), 0755);
    if (i < dir.size()) partial.push_back(dir[i]);
  }
  TG_CHECK(is_dir(dir), "fetch_dataset: cannot create ", dir);
}

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') out.emplace_back(e->d_name);
    ::closedir(d);
  }
  return out;
}

// The folder name inside GroupLens' zip.
std::string zip_folder(const std::string& name) { return name == "ml-10m" ? "ml-10M100K" : name; }

bool unzip(const std::string& zip, const std::string& dest, const std::string& member_glob) {
  if (have("unzip")) {
    std::string cmd = "unzip -q -o ";
    cmd.append(quote(zip));
    if (!member_glob.empty()) cmd.append(1, ' ').append(quote(member_glob));
    cmd.append(" -d ").append(quote(dest)).append(" >/dev/null 2>&1");
    return run(cmd);
  }
  std::string py =
      "import sys,zipfile,fnmatch\n"
      "z=zipfile.ZipFile(sys.argv[1])\n"
      "m=[n for n in z.namelist() if not sys.argv[3] or fnmatch.fnmatch(n,sys.argv[3])]\n"
      "z.extractall(sys.argv[2],m)\n";
  return run("python3 -c " + quote(py) + " " + quote(zip) + " " + quote(dest) + " " +
             quote(member_glob) + " >/dev/null 2>&1");
}

bool download(const std::string& url, const std::string& out, std::string& tool) {
  if (have("curl")) {
    tool = "curl";
    return run("curl -fsSL --connect-timeout 15 --retry 2 -o " + quote(out) + " " + quote(url) +
               " 2>/dev/null");
  }
  if (have("wget")) {
    tool = "wget";
    return run("wget -q -T 15 -t 2 -O " + quote(out) + " " + quote(url) + " 2>/dev/null");
  }
  tool = "none (neither curl nor wget is installed)";
  return false;
}

// Offline route: ml-100k from the RecBole wheel on PyPI.
bool fetch_from_recbole(const std::string& dir, const std::string& target,
                        const std::function<void(const std::string&)>& log, std::string& why) {
  const std::string tmp = detail::join_path(dir, ".recbole-download");
  run("rm -rf " + quote(tmp));
  make_dirs(tmp);
  log("fetch_dataset: trying the ml-100k copy inside PyPI's recbole wheel (pip download)");
  std::string pip = have("python3") ? "python3 -m pip" : have("pip3") ? "pip3" : "pip";
  if (!run(pip + " download recbole --no-deps --only-binary=:all: -q -d " + quote(tmp) +
           " >/dev/null 2>&1")) {
    why = "`" + pip + " download recbole --no-deps` failed";
    run("rm -rf " + quote(tmp));
    return false;
  }
  std::string wheel;
  for (const auto& f : list_dir(tmp))
    if (f.size() > 4 && f.compare(f.size() - 4, 4, ".whl") == 0) wheel = detail::join_path(tmp, f);
  const std::string inner = "recbole/dataset_example/ml-100k";
  if (wheel.empty() || !unzip(wheel, tmp, inner + "/*")) {
    why = wheel.empty() ? "pip produced no wheel" : "could not unpack " + wheel;
    run("rm -rf " + quote(tmp));
    return false;
  }
  make_dirs(target);
  int moved = 0;
  for (const char* ext : {".inter", ".item", ".user"}) {
    std::string from = detail::join_path(tmp, inner + "/ml-100k" + ext);
    std::string to = detail::join_path(target, std::string("ml-100k") + ext);
    if (detail::file_exists(from) && std::rename(from.c_str(), to.c_str()) == 0) ++moved;
  }
  run("rm -rf " + quote(tmp));
  if (moved == 0 || detect_format(target).empty()) {
    why = "the wheel has no " + inner + "/ml-100k.inter";
    return false;
  }
  log("fetch_dataset: ml-100k (RecBole atomic files) from the recbole wheel -> " + target);
  return true;
}

}  // namespace

std::string fetch_dataset(const std::string& name, const std::string& dir) {
  return fetch_dataset(name, dir, [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); });
}

std::string fetch_dataset(const std::string& name, const std::string& dir,
                          const std::function<void(const std::string&)>& log) {
  static const char* const kKnown[] = {"ml-100k", "ml-1m",  "ml-10m",         "ml-20m",
                                       "ml-25m",  "ml-32m", "ml-latest-small", "ml-latest"};
  bool known = false;
  for (const char* k : kKnown) known = known || name == k;
  TG_CHECK(known, "fetch_dataset: unknown dataset '", name,
           "' (expected ml-100k, ml-1m, ml-10m, ml-20m, ml-25m, ml-32m, ml-latest-small or ml-latest)");
  const std::string target = detail::join_path(dir, zip_folder(name));
  if (is_dir(target) && !detect_format(target).empty()) {
    log("fetch_dataset: " + name + " already present in " + target);
    return target;
  }
  make_dirs(dir);
  const std::string url = "https://files.grouplens.org/datasets/movielens/" + name + ".zip";
  const std::string zip = detail::join_path(dir, name + ".zip.part");
  log("fetch_dataset: downloading " + url);
  std::string tool;
  bool ok = download(url, zip, tool);
  std::string why_online = ok ? "" : "download with " + tool + " failed";
  if (ok) {
    ok = unzip(zip, dir, "");
    if (!ok) why_online = "could not unpack " + zip;
  }
  std::remove(zip.c_str());
  if (ok && !detect_format(target).empty()) {
    log("fetch_dataset: " + name + " -> " + target);
    return target;
  }
  if (ok) why_online = "the archive has no MovieLens files in " + target;
  std::string why_offline = "no offline copy exists for " + name;
  if (name == "ml-100k") {
    log("fetch_dataset: " + why_online + "; falling back to PyPI");
    if (fetch_from_recbole(dir, target, log, why_offline)) return target;
  }
  TG_THROW("fetch_dataset: could not fetch ", name, ": ", why_online, " (", url, "); offline fallback: ",
           why_offline);
}

}  // namespace tg::recsys
