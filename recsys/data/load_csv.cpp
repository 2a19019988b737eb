// recsys/data/load_csv.cpp — ml-latest(-small) / ml-20m / ml-25m: UTF-8 CSV with headers.
//
// ratings.csv  userId,movieId,rating,timestamp
// movies.csv   movieId,title,genres   (titles with commas are "quoted"; "" escapes a quote)
// Text must be UTF-8 (ASCII is fine); anything else is an error naming the line.
#include "../../tensor/error.h"
#include "loaders.h"

namespace tg::recsys::detail {
namespace {

// RFC 4180 fields of one line; returns false on a malformed quote.
bool parse_csv_line(std::string_view line, std::vector<std::string>& out) {
  out.clear();
  size_t i = 0;
  while (true) {
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (true) {
        if (i >= line.size()) return false;  // unterminated quote
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field.push_back(line[i++]);
      }
      if (i < line.size() && line[i] != ',') return false;  // text after the closing quote
    } else {
      size_t comma = line.find(',', i);
      size_t stop = comma == std::string_view::npos ? line.size() : comma;
      field.assign(line.substr(i, stop - i));
      if (field.find('"') != std::string::npos) return false;
      i = stop;
    }
    out.push_back(std::move(field));
    if (i >= line.size()) return true;
    ++i;  // the comma
  }
}

bool starts_with_digit(std::string_view s) {
  s = trim(s);
  return !s.empty() && s[0] >= '0' && s[0] <= '9';
}

void read_movies(Dataset& ds, RawMeta& meta, const LoadOptions& opts, GenreCollector& genres) {
  std::string path = join_path(ds.dir, "movies.csv");
  if (!file_exists(path)) return;
  FileBuffer text = read_file(path);
  LineErrors errs(path, opts.skip_bad_lines, &ds.skipped_lines);
  LineReader lines(strip_bom(text, path));
  std::string_view line;
  std::vector<std::string> f;
  while (lines.next(line)) {
    if (trim(line).empty()) continue;
    if (!is_valid_utf8(line)) {
      errs.bad(lines.line_no(), "invalid UTF-8 (unknown encoding; CSV files must be UTF-8)");
      continue;
    }
    if (lines.line_no() == 1 && !starts_with_digit(line)) {
      if (trim(line) != "movieId,title,genres")
        errs.fatal(1, "expected the header movieId,title,genres, got '" + std::string(line) + "'");
      continue;
    }
    if (!parse_csv_line(line, f)) {
      errs.bad(lines.line_no(), "malformed quoted field");
      continue;
    }
    if (f.size() != 3) {
      errs.bad(lines.line_no(), "expected 3 comma-separated fields (movieId,title,genres), got " +
                                    std::to_string(f.size()));
      continue;
    }
    int64_t id = 0;
    if (!parse_int(f[0], id) || id < 0) {
      errs.bad(lines.line_no(), "movie id '" + f[0] + "' is not a non-negative integer");
      continue;
    }
    ItemInfo info;
    info.title = std::string(trim(f[1]));
    info.year = year_from_title(info.title);
    info.genres = genres.add_list(f[2]);
    meta.items[id] = std::move(info);
  }
}

}  // namespace

void load_csv(Dataset& ds, RawMeta& meta, const LoadOptions& opts) {
  std::string path = join_path(ds.dir, "ratings.csv");
  LineErrors errs(path, opts.skip_bad_lines, &ds.skipped_lines);
  int64_t header = 0;
  auto check_header = [&](std::string_view first) -> int64_t {
    if (trim(first).empty() || starts_with_digit(first)) return 0;
    if (!is_valid_utf8(first)) errs.fatal(1, "invalid UTF-8 (unknown encoding; CSV files must be UTF-8)");
    if (trim(first) != "userId,movieId,rating,timestamp")
      errs.fatal(1, "expected the header userId,movieId,rating,timestamp, got '" +
                        std::string(first.substr(0, 80)) + "'");
    return header = 1;
  };
  if (!stream_rating_file(path, ",", errs, ds.ratings, check_header))
    errs.fatal(1, "file is empty (no ratings)");
  if (ds.ratings.empty()) errs.fatal(header + 1, "no valid ratings");
  GenreCollector genres;
  read_movies(ds, meta, opts, genres);
  genres.finish(ds, meta);
}

}  // namespace tg::recsys::detail
