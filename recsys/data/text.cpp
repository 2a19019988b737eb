// recsys/data/text.cpp — file reading, line splitting, number parsing and encodings for loaders.
#include "text.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cerrno>
#include <cstring>

#include "../../tensor/error.h"

namespace tg::recsys::detail {

FileBuffer::~FileBuffer() {
  if (map_) ::munmap(map_, size_);
}

FileBuffer::FileBuffer(FileBuffer&& o) noexcept : data_(o.data_), size_(o.size_), map_(o.map_) {
  o.data_ = "", o.size_ = 0, o.map_ = nullptr;
}

FileBuffer& FileBuffer::operator=(FileBuffer&& o) noexcept {
  if (this != &o) {
    if (map_) ::munmap(map_, size_);
    data_ = o.data_, size_ = o.size_, map_ = o.map_;
    o.data_ = "", o.size_ = 0, o.map_ = nullptr;
  }
  return *this;
}

// Files read whole (metadata, GroupLens split files) are small: ml-25m's movies.csv is 3 MB. A
// bigger one is refused before it is mapped, rather than paging it all in (ratings files, the big
// ones, are streamed instead and have no such limit).
constexpr int64_t kMaxWholeFileBytes = int64_t{256} << 20;

FileBuffer read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  TG_CHECK(fd >= 0, "load_dataset: cannot open ", path, " (", std::strerror(errno), ")");
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    TG_THROW("load_dataset: ", path, " is not a regular file");
  }
  if (st.st_size > kMaxWholeFileBytes) {
    ::close(fd);
    TG_THROW("load_dataset: ", path, ": ", static_cast<int64_t>(st.st_size),
             " bytes is more than a metadata file may have (256 MiB)");
  }
  FileBuffer buf;
  if (st.st_size > 0) {
    void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE,
                     fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      TG_THROW("load_dataset: cannot read ", path, " (", std::strerror(errno), ")");
    }
    ::madvise(p, static_cast<size_t>(st.st_size), MADV_SEQUENTIAL);
    buf.map_ = p;
    buf.data_ = static_cast<const char*>(p);
    buf.size_ = static_cast<size_t>(st.st_size);
  }
  ::close(fd);
  return buf;
}

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

bool LineReader::next(std::string_view& line) {
  if (p_ >= end_) return false;
  const char* nl = static_cast<const char*>(std::memchr(p_, '\n', static_cast<size_t>(end_ - p_)));
  const char* stop = nl ? nl : end_;
  const char* e = stop;
  if (e > p_ && e[-1] == '\r') --e;
  line = std::string_view(p_, static_cast<size_t>(e - p_));
  p_ = nl ? nl + 1 : end_;
  ++line_no_;
  return true;
}

void split(std::string_view line, std::string_view sep, std::vector<std::string_view>& out) {
  out.clear();
  size_t start = 0;
  while (true) {
    size_t pos = sep.size() == 1 ? line.find(sep[0], start) : line.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(line.substr(start));
      return;
    }
    out.push_back(line.substr(start, pos - start));
    start = pos + sep.size();
  }
}

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

bool parse_int(std::string_view s, int64_t& out) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool parse_double(std::string_view s, double& out) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool parse_float(std::string_view s, float& out) {
  double d = 0;
  if (!parse_double(s, d)) return false;
  out = static_cast<float>(d);
  return true;
}

std::string latin1_to_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (unsigned char c : s) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

bool is_valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) n = 1, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) n = 2, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) n = 3, cp = c & 0x07;
    else return false;
    if (end - p <= n) return false;
    for (int k = 1; k <= n; ++k) {
      if ((p[k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[k] & 0x3F);
    }
    static constexpr uint32_t kMin[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    p += n + 1;
  }
  return true;
}

std::string_view strip_bom(std::string_view text, const std::string& path) {
  auto starts = [&](std::string_view bom) { return text.substr(0, bom.size()) == bom; };
  if (starts("\xEF\xBB\xBF")) return text.substr(3);
  if (starts(std::string_view("\x00\x00\xFE\xFF", 4)) || starts("\xFF\xFE") || starts("\xFE\xFF"))
    TG_THROW("load_dataset: ", path, ":1: unsupported encoding (UTF-16/UTF-32 byte-order mark); ",
             "expected UTF-8, ASCII or Latin-1 text");
  return text;
}

int32_t year_from_title(std::string_view title) {
  title = trim(title);
  if (title.size() < 6 || title.back() != ')') return 0;
  std::string_view y = title.substr(title.size() - 5, 4);
  if (title[title.size() - 6] != '(') return 0;
  int64_t v = 0;
  if (!parse_int(y, v) || v < 1000 || v > 9999) return 0;
  return static_cast<int32_t>(v);
}

void LineErrors::bad(int64_t line, const std::string& msg) {
  if (!skip_) fatal(line, msg);
  if (skipped_) ++*skipped_;
}

void LineErrors::fatal(int64_t line, const std::string& msg) const {
  TG_THROW("load_dataset: ", path_, ":", line, ": ", msg);
}

}  // namespace tg::recsys::detail
