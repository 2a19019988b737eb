// recsys/data/load_recbole.cpp — RecBole atomic files: NAME.inter, NAME.item, NAME.user.
//
// TAB-separated with a typed header, e.g. "user_id:token\titem_id:token\trating:float\t
// timestamp:float". Columns are found by name; rating (default 1) and timestamp (default 0) are
// optional. token_seq fields (titles, genre classes) are space-separated. Ids must be integers.
#include <cmath>

#include "../../tensor/error.h"
#include "loaders.h"

namespace tg::recsys::detail {
namespace {

// Column name -> index from a typed header ("name:type" fields).
struct Header {
  std::vector<std::string> names;
  int find(std::string_view name) const {
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == name) return static_cast<int>(i);
    return -1;
  }
};

Header read_header(std::string_view line, const LineErrors& errs) {
  Header h;
  std::vector<std::string_view> f;
  split(line, "\t", f);
  for (std::string_view field : f) {
    size_t colon = field.find(':');
    if (colon == std::string_view::npos)
      errs.fatal(1, "header field '" + std::string(field) + "' has no ':type' (expected e.g. user_id:token)");
    h.names.emplace_back(trim(field.substr(0, colon)));
  }
  return h;
}

// Reads one optional side file line by line: fn(fields, line_no) for each data line.
template <class Fn>
void for_each_row(const std::string& path, const LoadOptions& opts, Dataset& ds, Header& header,
                  Fn&& fn) {
  FileBuffer text = read_file(path);
  LineErrors errs(path, opts.skip_bad_lines, &ds.skipped_lines);
  std::string_view body = strip_bom(text, path);
  LineReader lines(body);
  std::string_view line;
  std::vector<std::string_view> f;
  if (!lines.next(line) || trim(line).empty()) errs.fatal(1, "file is empty (no header)");
  header = read_header(line, errs);
  fn(f, int64_t{0}, errs, true);  // lets the caller check the header's columns
  while (lines.next(line)) {
    if (trim(line).empty()) continue;
    if (!is_valid_utf8(line)) {
      errs.bad(lines.line_no(), "invalid UTF-8 (unknown text encoding)");
      continue;
    }
    split(line, "\t", f);
    if (f.size() != header.names.size()) {
      errs.bad(lines.line_no(), "expected " + std::to_string(header.names.size()) +
                                    " TAB-separated fields (as in the header), got " +
                                    std::to_string(f.size()));
      continue;
    }
    fn(f, lines.line_no(), errs, false);
  }
}

}  // namespace

void load_recbole(Dataset& ds, RawMeta& meta, const LoadOptions& opts, const std::string& inter) {
  std::string stem = inter.substr(0, inter.size() - 6);
  Header h;
  int cu = -1, ci = -1, cr = -1, ct = -1;
  for_each_row(inter, opts, ds, h, [&](const std::vector<std::string_view>& f, int64_t line,
                                       LineErrors& errs, bool is_header) {
    if (is_header) {
      cu = h.find("user_id"), ci = h.find("item_id"), cr = h.find("rating"), ct = h.find("timestamp");
      if (cu < 0 || ci < 0) errs.fatal(1, "the header needs user_id and item_id columns");
      return;
    }
    int64_t u = 0, i = 0, ts = 0;
    double r = 1.0, tsd = 0;
    if (!parse_int(f[cu], u)) return errs.bad(line, "user id '" + std::string(f[cu]) + "' is not an integer");
    if (!parse_int(f[ci], i)) return errs.bad(line, "item id '" + std::string(f[ci]) + "' is not an integer");
    if (cr >= 0 && !parse_double(f[cr], r))
      return errs.bad(line, "rating '" + std::string(f[cr]) + "' is not a number");
    if (ct >= 0) {
      if (!parse_double(f[ct], tsd) || !std::isfinite(tsd) || std::fabs(tsd) > 9e18)
        return errs.bad(line, "timestamp '" + std::string(f[ct]) + "' is not a number");
      ts = static_cast<int64_t>(tsd);
    }
    std::string problem = check_row(u, i, r);
    if (!problem.empty()) return errs.bad(line, problem);
    ds.ratings.push_back(u, i, static_cast<float>(r), ts);
  });
  if (ds.ratings.empty()) LineErrors(inter, false, nullptr).fatal(1, "no valid ratings");

  GenreCollector genres;
  if (file_exists(stem + ".item")) {
    int cid = -1, ctitle = -1, cyear = -1, cclass = -1;
    for_each_row(stem + ".item", opts, ds, h, [&](const std::vector<std::string_view>& f,
                                                  int64_t line, LineErrors& errs, bool is_header) {
      if (is_header) {
        cid = h.find("item_id"), ctitle = h.find("movie_title"), cyear = h.find("release_year");
        cclass = h.find("class");
        if (ctitle < 0) ctitle = h.find("title");
        if (cclass < 0) cclass = h.find("genre");
        if (cid < 0) errs.fatal(1, "the header needs an item_id column");
        return;
      }
      int64_t id = 0, year = 0;
      if (!parse_int(f[cid], id) || id < 0)
        return errs.bad(line, "item id '" + std::string(f[cid]) + "' is not a non-negative integer");
      ItemInfo info;
      if (ctitle >= 0) info.title = std::string(trim(f[ctitle]));
      if (cyear >= 0 && parse_int(f[cyear], year) && year > 0 && year < 10000)
        info.year = static_cast<int32_t>(year);
      else
        info.year = year_from_title(info.title);
      if (cclass >= 0) info.genres = genres.add_list(f[cclass], " ");
      meta.items[id] = std::move(info);
    });
  }
  genres.finish(ds, meta);

  if (file_exists(stem + ".user")) {
    meta.has_users = true;
    int cid = -1, cage = -1, cgender = -1, cocc = -1, czip = -1;
    for_each_row(stem + ".user", opts, ds, h, [&](const std::vector<std::string_view>& f,
                                                  int64_t line, LineErrors& errs, bool is_header) {
      if (is_header) {
        cid = h.find("user_id"), cage = h.find("age"), cgender = h.find("gender");
        cocc = h.find("occupation"), czip = h.find("zip_code");
        if (cid < 0) errs.fatal(1, "the header needs a user_id column");
        return;
      }
      int64_t id = 0, age = 0;
      if (!parse_int(f[cid], id) || id < 0)
        return errs.bad(line, "user id '" + std::string(f[cid]) + "' is not a non-negative integer");
      if (cage >= 0 && (!parse_int(f[cage], age) || age < 0 || age > 150))
        return errs.bad(line, "age '" + std::string(f[cage]) + "' is not an integer in [0, 150]");
      UserInfo u;
      u.age = static_cast<int32_t>(age);
      if (cgender >= 0) u.gender = std::string(trim(f[cgender]));
      if (cocc >= 0) u.occupation = std::string(trim(f[cocc]));
      if (czip >= 0) u.zip = std::string(trim(f[czip]));
      bool known = false;
      for (const auto& o : ds.occupation_names) known = known || o == u.occupation;
      if (!known && !u.occupation.empty()) ds.occupation_names.push_back(u.occupation);
      meta.users[id] = std::move(u);
    });
  }
}

}  // namespace tg::recsys::detail
