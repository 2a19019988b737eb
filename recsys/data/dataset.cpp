// recsys/data/dataset.cpp — load_dataset: format detection, dense re-indexing, predefined splits.
#include "dataset.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <limits>

#include "../../tensor/error.h"
#include "loaders.h"

namespace tg::recsys {
namespace detail {
namespace {

// Dense ids by ascending raw id; rewrites `col` in place. A lookup table indexed by raw id when
// the ids are dense enough (MovieLens: ids up to ~200k over millions of rows), else sort + unique
// (a few large ids must not cost a table sized by the largest one).
void densify(std::vector<int64_t>& col, IdMap& map) {
  if (col.empty()) return;
  int64_t lo = *std::min_element(col.begin(), col.end());
  int64_t hi = *std::max_element(col.begin(), col.end());
  if (lo >= 0 && hi < (int64_t{1} << 26) && static_cast<size_t>(hi) < 8 * col.size() + 4096) {
    std::vector<int32_t> lut(static_cast<size_t>(hi) + 1, -1);
    for (int64_t v : col) lut[static_cast<size_t>(v)] = 0;
    for (size_t v = 0; v < lut.size(); ++v)
      if (lut[v] == 0) lut[v] = static_cast<int32_t>(map.add(static_cast<int64_t>(v)));
    for (int64_t& v : col) v = lut[static_cast<size_t>(v)];
    return;
  }
  std::vector<int64_t> uniq = col;
  std::sort(uniq.begin(), uniq.end());
  uniq.erase(std::unique(uniq.begin(), uniq.end()), uniq.end());
  for (int64_t v : uniq) map.add(v);
  for (int64_t& v : col) v = *map.find(v);
}

std::string base_name(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  size_t slash = dir.rfind('/');
  return slash == std::string::npos ? dir : dir.substr(slash + 1);
}

std::string find_inter_file(const std::string& dir) {
  std::string found;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n.size() > 6 && n.compare(n.size() - 6, 6, ".inter") == 0 && (found.empty() || n < found))
        found = n;
    }
    ::closedir(d);
  }
  return found;
}

}  // namespace

void finalize(Dataset& ds, RawMeta& meta) {
  densify(ds.ratings.user, ds.users);
  densify(ds.ratings.item, ds.items);
  ds.item_info.assign(static_cast<size_t>(ds.items.size()), ItemInfo{});
  for (int64_t d = 0; d < ds.items.size(); ++d) {
    auto it = meta.items.find(ds.items.raw(d));
    if (it != meta.items.end()) ds.item_info[static_cast<size_t>(d)] = std::move(it->second);
  }
  ds.user_info.clear();
  if (meta.has_users) {
    ds.user_info.assign(static_cast<size_t>(ds.users.size()), UserInfo{});
    for (int64_t d = 0; d < ds.users.size(); ++d) {
      auto it = meta.users.find(ds.users.raw(d));
      if (it != meta.users.end()) ds.user_info[static_cast<size_t>(d)] = std::move(it->second);
    }
  }
  if (!ds.ratings.rating.empty()) {
    auto [mn, mx] = std::minmax_element(ds.ratings.rating.begin(), ds.ratings.rating.end());
    ds.min_rating = *mn;
    ds.max_rating = *mx;
  }
}

Interactions read_mapped_ratings(const Dataset& ds, const std::string& path) {
  FileBuffer text = read_file(path);
  TG_CHECK(!trim(text).empty(), "split_predefined: ", path, ":1: file is empty");
  Interactions raw;
  LineErrors errs(path, false, nullptr);
  parse_rating_lines(text, "\t", 0, errs, raw);
  // Line numbers for unknown ids: count again only on the error path.
  for (size_t r = 0; r < raw.size(); ++r) {
    auto u = ds.users.find(raw.user[r]);
    auto i = ds.items.find(raw.item[r]);
    if (!u || !i) {
      int64_t line = 0, seen = 0;
      LineReader lines(text);
      std::string_view l;
      while (lines.next(l))
        if (!trim(l).empty() && seen++ == static_cast<int64_t>(r)) {
          line = lines.line_no();
          break;
        }
      TG_THROW("split_predefined: ", path, ":", line, ": ", !u ? "user" : "item", " id ",
               !u ? raw.user[r] : raw.item[r], " does not occur in the dataset ", ds.dir);
    }
    raw.user[r] = *u;
    raw.item[r] = *i;
  }
  return raw;
}

}  // namespace detail

std::string detect_format(const std::string& dir) {
  using detail::file_exists;
  using detail::join_path;
  if (file_exists(join_path(dir, "u.data"))) return "grouplens-100k";
  if (file_exists(join_path(dir, "ratings.dat"))) return "grouplens-dat";
  if (file_exists(join_path(dir, "ratings.csv"))) return "csv";
  if (!detail::find_inter_file(dir).empty()) return "recbole";
  return "";
}

Dataset load_dataset(const std::string& dir, const LoadOptions& opts) {
  struct stat st;
  TG_CHECK(::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode), "load_dataset: ", dir,
           " is not a directory");
  Dataset ds;
  ds.dir = dir;
  ds.format = detect_format(dir);
  TG_CHECK(!ds.format.empty(), "load_dataset: no MovieLens data in ", dir,
           " (expected u.data, ratings.dat, ratings.csv or a RecBole *.inter file)");
  ds.name = detail::base_name(dir);
  if (detail::file_exists(detail::join_path(dir, "SYNTHETIC"))) ds.name = "synthetic";
  detail::RawMeta meta;
  if (ds.format == "grouplens-100k") {
    detail::load_grouplens_100k(ds, meta, opts);
  } else if (ds.format == "grouplens-dat") {
    detail::load_grouplens_dat(ds, meta, opts);
  } else if (ds.format == "csv") {
    detail::load_csv(ds, meta, opts);
  } else {
    std::string inter = detail::find_inter_file(dir);
    ds.name = "recbole:" + inter.substr(0, inter.size() - 6);
    detail::load_recbole(ds, meta, opts, detail::join_path(dir, inter));
  }
  detail::finalize(ds, meta);
  for (const char* s : {"u1", "u2", "u3", "u4", "u5", "ua", "ub"}) {
    std::string b = s;
    if (detail::file_exists(detail::join_path(dir, b + ".base")) &&
        detail::file_exists(detail::join_path(dir, b + ".test")))
      ds.predefined_splits.push_back(b);
  }
  return ds;
}

}  // namespace tg::recsys
