// tests/fuzz/fuzz_util.cpp — scratch folder and multi-file container for the fuzz targets.
#include "fuzz_util.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace tg::fuzz {

std::vector<FuzzFile> split_files(std::string_view data, const std::string& main,
                                  const std::vector<std::string>& allowed) {
  std::vector<FuzzFile> files;
  std::string name = main;
  size_t start = 0, pos = 0;
  auto flush = [&](size_t end) {
    // A later section with the same name replaces the earlier one.
    auto it = std::find_if(files.begin(), files.end(), [&](const FuzzFile& f) { return f.name == name; });
    std::string_view body = data.substr(start, end - start);
    if (it != files.end()) it->content = body;
    else files.push_back({name, body});
  };
  bool main_seen = false;
  while (pos <= data.size()) {
    size_t marker = data.find("--- ", pos);
    if (marker == std::string_view::npos) break;
    size_t nl = data.find('\n', marker);
    bool at_line_start = marker == 0 || data[marker - 1] == '\n';
    if (!at_line_start || nl == std::string_view::npos) {
      pos = marker + 1;
      continue;
    }
    std::string next(data.substr(marker + 4, nl - marker - 4));
    if (std::find(allowed.begin(), allowed.end(), next) == allowed.end()) {
      pos = marker + 1;
      continue;
    }
    // The newline before the marker belongs to the marker, not to the previous file.
    size_t end = marker > start && data[marker - 1] == '\n' ? marker - 1 : marker;
    if (marker > 0 || main_seen) flush(std::max(end, start));
    main_seen = true;
    name = std::move(next);
    start = pos = nl + 1;
  }
  flush(data.size());
  return files;
}

Scratch& Scratch::get() {
  static Scratch s;
  return s;
}

Scratch::Scratch() {
  std::string base = "/dev/shm";
  struct stat st;
  if (::stat(base.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || ::access(base.c_str(), W_OK) != 0) {
    const char* tmp = std::getenv("TMPDIR");
    base = tmp && *tmp ? tmp : "/tmp";
  }
  std::string tmpl = base + "/tg-fuzz-XXXXXX";
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("fuzz: cannot create a scratch folder in " + base);
  dir_ = tmpl;
}

Scratch::~Scratch() {
  std::error_code ec;  // the folder is ours (mkdtemp): remove it with whatever a target put there
  std::filesystem::remove_all(dir_, ec);
}

std::string Scratch::write_one(const std::string& name, std::string_view content) {
  std::string path = dir_ + "/" + name;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("fuzz: cannot write " + path);
  if (!content.empty()) std::fwrite(content.data(), 1, content.size(), f);
  std::fclose(f);
  if (std::find(written_.begin(), written_.end(), path) == written_.end()) written_.push_back(path);
  return path;
}

void Scratch::write(const std::vector<FuzzFile>& files) {
  std::vector<std::string> keep;
  for (const auto& f : files) keep.push_back(write_one(f.name, f.content));
  for (auto it = written_.begin(); it != written_.end();) {
    if (std::find(keep.begin(), keep.end(), *it) == keep.end()) {
      ::unlink(it->c_str());
      it = written_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace tg::fuzz
