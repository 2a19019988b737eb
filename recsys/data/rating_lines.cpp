// recsys/data/rating_lines.cpp — the hot loop of every loader: "user SEP item SEP rating SEP ts".
//
// A line is first tried on a fast path (digits only, one pass, no allocation); anything unusual
// (signs, spaces, exponents, wrong field counts, garbage) falls back to the slow path, which
// accepts what std::from_chars accepts and otherwise names the exact problem.
#include <cmath>
#include <cstring>

#include "loaders.h"

namespace tg::recsys::detail {
namespace {

inline bool fast_uint(const char*& p, const char* end, int64_t& out) {
  const char* s = p;
  uint64_t v = 0;
  while (p < end && static_cast<unsigned>(*p - '0') < 10u) v = v * 10 + static_cast<unsigned>(*p++ - '0');
  if (p == s || p - s > 18) return false;
  out = static_cast<int64_t>(v);
  return true;
}

// "4", "3.5", "4.0", "0.5": at most 9 digits.
inline bool fast_decimal(const char*& p, const char* end, double& out) {
  static constexpr double kPow10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
  const char* s = p;
  uint64_t v = 0;
  while (p < end && static_cast<unsigned>(*p - '0') < 10u) v = v * 10 + static_cast<unsigned>(*p++ - '0');
  if (p == s) return false;
  int frac = 0;
  if (p < end && *p == '.') {
    ++p;
    const char* f = p;
    while (p < end && static_cast<unsigned>(*p - '0') < 10u) v = v * 10 + static_cast<unsigned>(*p++ - '0');
    frac = static_cast<int>(p - f);
  }
  if (p - s > 10) return false;
  out = static_cast<double>(v) / kPow10[frac];
  return true;
}

inline bool expect_sep(const char*& p, const char* end, std::string_view sep) {
  if (static_cast<size_t>(end - p) < sep.size() || std::memcmp(p, sep.data(), sep.size()) != 0)
    return false;
  p += sep.size();
  return true;
}

// At the end of a line: moves past the newline and returns true.
inline bool end_of_line(const char*& p, const char* end) {
  if (p == end) return true;
  if (*p == '\n') return ++p, true;
  if (*p == '\r' && (p + 1 == end || p[1] == '\n')) return p += (p + 1 == end ? 1 : 2), true;
  return false;
}

std::string describe(std::string_view s) {
  std::string out;
  out.push_back('\'');
  for (char c : s.substr(0, 40)) out.push_back(static_cast<unsigned char>(c) < 0x20 ? '?' : c);
  out.append(s.size() > 40 ? "...'" : "'");
  return out;
}

std::string sep_name(std::string_view sep) {
  if (sep == "\t") return "TAB";
  std::string out;
  out.push_back('\'');
  out.append(sep).push_back('\'');
  return out;
}

}  // namespace

std::string check_row(int64_t user, int64_t item, double rating) {
  if (user < 0) return "user id " + std::to_string(user) + " is out of range (must be >= 0)";
  if (item < 0) return "item id " + std::to_string(item) + " is out of range (must be >= 0)";
  if (!std::isfinite(rating) || rating < 0 || rating > kMaxRating)
    return "rating " + std::to_string(rating) + " is out of range [0, 10]";
  return "";
}

void parse_rating_lines(std::string_view text, std::string_view sep, int64_t skip_lines,
                        LineErrors& errs, Interactions& out) {
  const char* p = text.data();
  const char* end = p + text.size();
  int64_t line_no = 0;
  std::vector<std::string_view> fields;
  while (p < end) {
    ++line_no;
    const char* q = p;
    if (line_no > skip_lines) {
      int64_t u, i, ts;
      double r;
      if (fast_uint(q, end, u) && expect_sep(q, end, sep) && fast_uint(q, end, i) &&
          expect_sep(q, end, sep) && fast_decimal(q, end, r) && expect_sep(q, end, sep) &&
          fast_uint(q, end, ts) && end_of_line(q, end)) {
        if (r <= kMaxRating) [[likely]] {
          out.push_back(u, i, static_cast<float>(r), ts);
          p = q;
          continue;
        }
      }
    }
    // Slow path: the whole line.
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    const char* stop = nl ? nl : end;
    std::string_view line(p, static_cast<size_t>(stop - p));
    p = nl ? nl + 1 : end;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_no <= skip_lines || trim(line).empty()) continue;
    if (!is_valid_utf8(line)) {
      errs.bad(line_no, "invalid UTF-8 (unknown text encoding; expected ASCII or UTF-8)");
      continue;
    }
    split(line, sep, fields);
    if (fields.size() != 4) {
      errs.bad(line_no, "expected 4 fields (user, item, rating, timestamp) separated by " +
                            sep_name(sep) + ", got " + std::to_string(fields.size()));
      continue;
    }
    int64_t u = 0, i = 0, ts = 0;
    double r = 0;
    if (!parse_int(fields[0], u)) {
      errs.bad(line_no, "user id " + describe(fields[0]) + " is not an integer (or out of range)");
      continue;
    }
    if (!parse_int(fields[1], i)) {
      errs.bad(line_no, "item id " + describe(fields[1]) + " is not an integer (or out of range)");
      continue;
    }
    if (!parse_double(fields[2], r)) {
      errs.bad(line_no, "rating " + describe(fields[2]) + " is not a number");
      continue;
    }
    if (!parse_int(fields[3], ts)) {
      double tsd = 0;  // RecBole and some exports write timestamps as floats
      if (!parse_double(fields[3], tsd) || !std::isfinite(tsd) || std::fabs(tsd) > 9e18) {
        errs.bad(line_no, "timestamp " + describe(fields[3]) + " is not an integer");
        continue;
      }
      ts = static_cast<int64_t>(tsd);
    }
    std::string problem = check_row(u, i, r);
    if (!problem.empty()) {
      errs.bad(line_no, problem);
      continue;
    }
    out.push_back(u, i, static_cast<float>(r), ts);
  }
}

void read_rating_file(Dataset& ds, const std::string& name, std::string_view sep,
                      const LoadOptions& opts) {
  std::string path = join_path(ds.dir, name);
  FileBuffer text = read_file(path);
  LineErrors errs(path, opts.skip_bad_lines, &ds.skipped_lines);
  std::string_view body = strip_bom(text, path);
  if (trim(body).empty()) errs.fatal(1, "file is empty (no ratings)");
  ds.ratings.reserve(body.size() / 20);
  parse_rating_lines(body, sep, 0, errs, ds.ratings);
  if (ds.ratings.empty()) errs.fatal(1, "no valid ratings");
}

}  // namespace tg::recsys::detail
