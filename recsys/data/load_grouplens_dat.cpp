// recsys/data/load_grouplens_dat.cpp — ml-1m / ml-10m: '::'-separated .dat files.
//
// ratings.dat  UserID::MovieID::Rating::Timestamp
// movies.dat   MovieID::Title (Year)::Genre|Genre      (ml-1m is Latin-1, ml-10m UTF-8)
// users.dat    UserID::Gender::Age::Occupation::Zip    (ml-1m only; occupation is a code 0..20)
#include "../../tensor/error.h"
#include "loaders.h"

namespace tg::recsys::detail {
namespace {

const char* const kMl1mOccupations[] = {
    "other",          "academic/educator", "artist",         "clerical/admin",
    "college/grad student", "customer service", "doctor/health care", "executive/managerial",
    "farmer",         "homemaker",         "K-12 student",   "lawyer",
    "programmer",     "retired",           "sales/marketing", "scientist",
    "self-employed",  "technician/engineer", "tradesman/craftsman", "unemployed",
    "writer"};

void read_movies(Dataset& ds, RawMeta& meta, const LoadOptions& opts, GenreCollector& genres) {
  std::string path = join_path(ds.dir, "movies.dat");
  if (!file_exists(path)) return;
  FileBuffer text = read_file(path);
  std::string_view body = strip_bom(text, path);
  const bool utf8 = is_valid_utf8(body);
  LineErrors errs(path, opts.skip_bad_lines, &ds.skipped_lines);
  LineReader lines(body);
  std::string_view line;
  std::vector<std::string_view> f;
  while (lines.next(line)) {
    if (trim(line).empty()) continue;
    split(line, "::", f);
    if (f.size() != 3) {
      errs.bad(lines.line_no(), "expected 3 '::'-separated fields (MovieID::Title::Genres), got " +
                                    std::to_string(f.size()));
      continue;
    }
    int64_t id = 0;
    if (!parse_int(f[0], id) || id < 0) {
      errs.bad(lines.line_no(), "movie id '" + std::string(f[0]) + "' is not a non-negative integer");
      continue;
    }
    ItemInfo info;
    info.title = utf8 ? std::string(trim(f[1])) : latin1_to_utf8(trim(f[1]));
    info.year = year_from_title(info.title);
    info.genres = genres.add_list(f[2]);
    meta.items[id] = std::move(info);
  }
}

void read_users(Dataset& ds, RawMeta& meta, const LoadOptions& opts) {
  std::string path = join_path(ds.dir, "users.dat");
  if (!file_exists(path)) return;
  meta.has_users = true;
  ds.occupation_names.assign(std::begin(kMl1mOccupations), std::end(kMl1mOccupations));
  FileBuffer text = read_file(path);
  LineErrors errs(path, opts.skip_bad_lines, &ds.skipped_lines);
  LineReader lines(strip_bom(text, path));
  std::string_view line;
  std::vector<std::string_view> f;
  while (lines.next(line)) {
    if (trim(line).empty()) continue;
    split(line, "::", f);
    if (f.size() != 5) {
      errs.bad(lines.line_no(), "expected 5 '::'-separated fields (UserID::Gender::Age::" +
                                    std::string("Occupation::Zip), got ") + std::to_string(f.size()));
      continue;
    }
    int64_t id = 0, age = 0, occ = 0;
    if (!parse_int(f[0], id) || id < 0) {
      errs.bad(lines.line_no(), "user id '" + std::string(f[0]) + "' is not a non-negative integer");
      continue;
    }
    if (!parse_int(f[2], age) || age < 0 || age > 150) {
      errs.bad(lines.line_no(), "age '" + std::string(f[2]) + "' is not an integer in [0, 150]");
      continue;
    }
    if (!parse_int(f[3], occ) || occ < 0 || occ > 20) {
      errs.bad(lines.line_no(), "occupation '" + std::string(f[3]) + "' is not a code in [0, 20]");
      continue;
    }
    meta.users[id] = UserInfo{static_cast<int32_t>(age), std::string(trim(f[1])),
                              kMl1mOccupations[occ], std::string(trim(f[4]))};
  }
}

}  // namespace

void load_grouplens_dat(Dataset& ds, RawMeta& meta, const LoadOptions& opts) {
  read_rating_file(ds, "ratings.dat", "::", opts);
  GenreCollector genres;
  read_movies(ds, meta, opts, genres);
  genres.finish(ds, meta);
  read_users(ds, meta, opts);
}

}  // namespace tg::recsys::detail
