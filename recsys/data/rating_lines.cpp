// recsys/data/rating_lines.cpp — the hot loop of every loader: "user SEP item SEP rating SEP ts".
//
// Rating files are streamed (read() in 4 MiB chunks of whole lines), never mapped or read whole:
// a 25M-rating file then needs the parsed columns and one chunk, not the file's size on top.
// A line is first tried on a fast path (digits only, one pass, no allocation); anything unusual
// (signs, spaces, exponents, wrong field counts, garbage) falls back to the slow path, which
// accepts what std::from_chars accepts and otherwise names the exact problem.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "../../tensor/error.h"
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

std::string too_long() {
  return "line is longer than " + std::to_string(kMaxLineBytes) +
         " bytes (not a ratings file, or a missing line break)";
}

size_t g_chunk_bytes = 0;  // 0: kDefaultChunkBytes
constexpr size_t kDefaultChunkBytes = size_t{4} << 20;

// An open file descriptor, closed on every path out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

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

int64_t parse_rating_lines(std::string_view text, std::string_view sep, int64_t skip_lines,
                           LineErrors& errs, Interactions& out, int64_t first_line) {
  const char* p = text.data();
  const char* end = p + text.size();
  int64_t line_no = first_line - 1;
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
    if (line.size() > kMaxLineBytes) errs.fatal(line_no, too_long());
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
  return line_no - (first_line - 1);
}

void set_rating_chunk_bytes_for_testing(size_t bytes) { g_chunk_bytes = bytes; }

bool stream_rating_file(const std::string& path, std::string_view sep, LineErrors& errs,
                        Interactions& out, const std::function<int64_t(std::string_view)>& header) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  TG_CHECK(f.fd >= 0, "load_dataset: cannot open ", path, " (", std::strerror(errno), ")");
  struct stat st;
  TG_CHECK(::fstat(f.fd, &st) == 0 && S_ISREG(st.st_mode), "load_dataset: ", path,
           " is not a regular file");
  ::posix_fadvise(f.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  const size_t file_bytes = static_cast<size_t>(st.st_size);
  std::vector<char> buf(std::min(g_chunk_bytes ? g_chunk_bytes : kDefaultChunkBytes,
                                 std::max<size_t>(file_bytes, 1)));
  size_t have = 0;  // bytes in buf: the unparsed tail of the last chunk, then new ones
  bool eof = false, first = true, any_text = false;
  int64_t line = 1, skip = 0;  // the number of the first line in buf; header lines
  while (!eof || have > 0) {
    while (!eof && have < buf.size()) {
      ssize_t n = ::read(f.fd, buf.data() + have, buf.size() - have);
      if (n < 0 && errno == EINTR) continue;
      TG_CHECK(n >= 0, "load_dataset: cannot read ", path, " (", std::strerror(errno), ")");
      eof = n == 0;
      have += static_cast<size_t>(n);
    }
    std::string_view data(buf.data(), have);
    size_t cut = have;  // parse up to the last line break; keep the unfinished line
    if (!eof) {
      size_t nl = data.rfind('\n');
      cut = nl == std::string_view::npos ? 0 : nl + 1;
    }
    if (cut == 0 && !eof) {  // not one whole line in a full buffer: a long line or a tiny chunk
      if (have > kMaxLineBytes + 1) errs.fatal(line, too_long());
      buf.resize(buf.size() * 2);
      continue;
    }
    size_t begin = 0;
    if (first) {
      first = false;
      std::string_view body = strip_bom(data.substr(0, cut), path);
      begin = cut - body.size();
      if (header) {
        std::string_view l = body.substr(0, body.find('\n'));
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        skip = header(l);
      }
      // Columns sized from the first chunk's mean line length (+3%): one allocation, and no
      // doubling (which would briefly need 3x the columns) unless later lines are much shorter.
      double lines = static_cast<double>(std::count(body.begin(), body.end(), '\n')) + 1;
      if (!body.empty())
        out.reserve(out.size() + static_cast<size_t>(static_cast<double>(file_bytes) /
                                                     static_cast<double>(body.size()) * lines * 1.03) +
                    16);
    }
    std::string_view part = data.substr(begin, cut - begin);
    any_text = any_text || !trim(part).empty();
    line += parse_rating_lines(part, sep, skip, errs, out, line);
    std::memmove(buf.data(), buf.data() + cut, have - cut);
    have -= cut;
    // The unfinished line is already too long (+1: a '\r' before its '\n' does not count).
    if (have > kMaxLineBytes + 1) errs.fatal(line, too_long());
  }
  return any_text;
}

void read_rating_file(Dataset& ds, const std::string& name, std::string_view sep,
                      const LoadOptions& opts) {
  std::string path = join_path(ds.dir, name);
  LineErrors errs(path, opts.skip_bad_lines, &ds.skipped_lines);
  if (!stream_rating_file(path, sep, errs, ds.ratings)) errs.fatal(1, "file is empty (no ratings)");
  if (ds.ratings.empty()) errs.fatal(1, "no valid ratings");
}

}  // namespace tg::recsys::detail
