// recsys/data/load_grouplens_100k.cpp — ml-100k: u.data, u.item, u.user, u.genre, u.occupation.
//
// u.data   user TAB item TAB rating TAB unix-time
// u.item   id|title|release date (01-Jan-1995)|video release|IMDb URL|19 genre flags (Latin-1)
// u.user   id|age|gender|occupation|zip
// u.genre  name|index        u.occupation  one name per line
#include "../../tensor/error.h"
#include "loaders.h"

namespace tg::recsys::detail {
namespace {

const char* const kDefaultGenres[] = {"unknown",  "Action",    "Adventure", "Animation",
                                      "Children's", "Comedy",  "Crime",     "Documentary",
                                      "Drama",    "Fantasy",   "Film-Noir", "Horror",
                                      "Musical",  "Mystery",   "Romance",   "Sci-Fi",
                                      "Thriller", "War",       "Western"};

void read_genres(Dataset& ds, const LoadOptions& opts) {
  std::string path = join_path(ds.dir, "u.genre");
  if (!file_exists(path)) {
    ds.genre_names.assign(std::begin(kDefaultGenres), std::end(kDefaultGenres));
    return;
  }
  FileBuffer text = read_file(path);
  LineErrors errs(path, opts.skip_bad_lines, &ds.skipped_lines);
  LineReader lines(strip_bom(text, path));
  std::string_view line;
  std::vector<std::string_view> f;
  while (lines.next(line)) {
    if (trim(line).empty()) continue;
    split(line, "|", f);
    int64_t idx = 0;
    if (f.size() != 2) {
      errs.bad(lines.line_no(), "expected 2 '|'-separated fields (name|index), got " +
                                    std::to_string(f.size()));
      continue;
    }
    if (!parse_int(f[1], idx) || idx < 0 || idx > 1000) {
      errs.bad(lines.line_no(), "genre index '" + std::string(f[1]) + "' is not a small integer");
      continue;
    }
    if (static_cast<size_t>(idx) >= ds.genre_names.size()) ds.genre_names.resize(static_cast<size_t>(idx) + 1);
    ds.genre_names[static_cast<size_t>(idx)] = std::string(trim(f[0]));
  }
  if (ds.genre_names.empty()) errs.fatal(1, "file is empty (no genres)");
}

void read_items(Dataset& ds, RawMeta& meta, const LoadOptions& opts) {
  std::string path = join_path(ds.dir, "u.item");
  if (!file_exists(path)) return;
  FileBuffer text = read_file(path);
  std::string_view body = strip_bom(text, path);
  const bool utf8 = is_valid_utf8(body);  // the GroupLens file is Latin-1; accept re-encoded copies
  LineErrors errs(path, opts.skip_bad_lines, &ds.skipped_lines);
  LineReader lines(body);
  std::string_view line;
  std::vector<std::string_view> f;
  const size_t want = 5 + ds.genre_names.size();
  while (lines.next(line)) {
    if (trim(line).empty()) continue;
    split(line, "|", f);
    if (f.size() != want) {
      errs.bad(lines.line_no(), "expected " + std::to_string(want) + " '|'-separated fields (id, " +
                                    "title, release date, video date, URL, " +
                                    std::to_string(ds.genre_names.size()) + " genre flags), got " +
                                    std::to_string(f.size()));
      continue;
    }
    int64_t id = 0;
    if (!parse_int(f[0], id) || id < 0) {
      errs.bad(lines.line_no(), "item id '" + std::string(f[0]) + "' is not a non-negative integer");
      continue;
    }
    ItemInfo info;
    info.title = utf8 ? std::string(f[1]) : latin1_to_utf8(f[1]);
    std::string_view date = trim(f[2]);  // dd-Mon-yyyy
    int64_t year = 0;
    if (date.size() >= 4 && parse_int(date.substr(date.size() - 4), year) && year > 1000)
      info.year = static_cast<int32_t>(year);
    else
      info.year = year_from_title(info.title);
    bool ok = true;
    for (size_t g = 0; g < ds.genre_names.size(); ++g) {
      std::string_view flag = trim(f[5 + g]);
      if (flag == "1") info.genres.push_back(static_cast<int32_t>(g));
      else if (flag != "0") ok = false;
    }
    if (!ok) {
      errs.bad(lines.line_no(), "genre flags must be 0 or 1");
      continue;
    }
    meta.items[id] = std::move(info);
  }
}

void read_occupations(Dataset& ds) {
  std::string path = join_path(ds.dir, "u.occupation");
  if (!file_exists(path)) return;
  FileBuffer text = read_file(path);
  LineReader lines(strip_bom(text, path));
  std::string_view line;
  while (lines.next(line))
    if (!trim(line).empty()) ds.occupation_names.emplace_back(trim(line));
}

void read_users(Dataset& ds, RawMeta& meta, const LoadOptions& opts) {
  std::string path = join_path(ds.dir, "u.user");
  if (!file_exists(path)) return;
  meta.has_users = true;
  FileBuffer text = read_file(path);
  LineErrors errs(path, opts.skip_bad_lines, &ds.skipped_lines);
  LineReader lines(strip_bom(text, path));
  std::string_view line;
  std::vector<std::string_view> f;
  while (lines.next(line)) {
    if (trim(line).empty()) continue;
    split(line, "|", f);
    if (f.size() != 5) {
      errs.bad(lines.line_no(), "expected 5 '|'-separated fields (id|age|gender|occupation|zip), got " +
                                    std::to_string(f.size()));
      continue;
    }
    int64_t id = 0, age = 0;
    if (!parse_int(f[0], id) || id < 0) {
      errs.bad(lines.line_no(), "user id '" + std::string(f[0]) + "' is not a non-negative integer");
      continue;
    }
    if (!parse_int(f[1], age) || age < 0 || age > 150) {
      errs.bad(lines.line_no(), "age '" + std::string(f[1]) + "' is not an integer in [0, 150]");
      continue;
    }
    UserInfo u{static_cast<int32_t>(age), std::string(trim(f[2])), std::string(trim(f[3])),
               std::string(trim(f[4]))};
    bool known = ds.occupation_names.empty();
    for (const auto& o : ds.occupation_names) known = known || o == u.occupation;
    if (!known) ds.occupation_names.push_back(u.occupation);
    meta.users[id] = std::move(u);
  }
}

}  // namespace

void load_grouplens_100k(Dataset& ds, RawMeta& meta, const LoadOptions& opts) {
  read_rating_file(ds, "u.data", "\t", opts);
  read_genres(ds, opts);
  read_items(ds, meta, opts);
  read_occupations(ds);
  read_users(ds, meta, opts);
}

}  // namespace tg::recsys::detail
