// recsys/data/text.h — the parsing toolkit every loader shares (internal; not part of the API).
//
// Metadata files (at most 256 MiB) are memory-mapped whole and scanned in place; ratings files,
// the big ones, are streamed in chunks (stream_rating_file in loaders.h). No iostreams, no
// per-line allocation.
// Numbers go through std::from_chars (with a hand-written fast path for the common decimal forms).
// Every problem is reported as "load_dataset: FILE:LINE: problem" — or, with skip_bad_lines,
// counted and the line dropped (LineErrors).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tg::recsys::detail {

// A whole file, memory-mapped read-only (no copy; big rating files are parsed straight from the
// page cache). Converts to std::string_view.
class FileBuffer {
 public:
  FileBuffer() = default;
  ~FileBuffer();
  FileBuffer(FileBuffer&& o) noexcept;
  FileBuffer& operator=(FileBuffer&& o) noexcept;
  FileBuffer(const FileBuffer&) = delete;
  FileBuffer& operator=(const FileBuffer&) = delete;
  std::string_view view() const { return {data_, size_}; }
  operator std::string_view() const { return view(); }  // NOLINT: implicit on purpose
  size_t size() const { return size_; }

 private:
  friend FileBuffer read_file(const std::string& path);
  const char* data_ = "";
  size_t size_ = 0;
  void* map_ = nullptr;
};

// The whole file; throws tg::Error "load_dataset: cannot open FILE" when it cannot be read, and
// refuses files over 256 MiB (only ratings files get that big, and they are streamed).
FileBuffer read_file(const std::string& path);
bool file_exists(const std::string& path);
std::string join_path(const std::string& dir, const std::string& name);

// Iterates over lines; a trailing '\r' (CRLF files) is dropped, a final line without '\n' counts.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}
  bool next(std::string_view& line);
  int64_t line_no() const { return line_no_; }  // 1-based number of the line last returned

 private:
  const char* p_;
  const char* end_;
  int64_t line_no_ = 0;
};

// Splits on a one- or more-character separator into `out` (reused between calls).
void split(std::string_view line, std::string_view sep, std::vector<std::string_view>& out);

// Exact parses: the whole field must be a number (surrounding spaces allowed).
bool parse_int(std::string_view s, int64_t& out);
bool parse_float(std::string_view s, float& out);
bool parse_double(std::string_view s, double& out);
std::string_view trim(std::string_view s);

// Latin-1 bytes to UTF-8 (every byte is a valid Latin-1 code point).
std::string latin1_to_utf8(std::string_view s);
bool is_valid_utf8(std::string_view s);
// Throws for encodings we cannot read (UTF-16/32 byte-order marks); skips a UTF-8 BOM.
std::string_view strip_bom(std::string_view text, const std::string& path);

// Year from a title ending in "(1995)"; 0 when there is none.
int32_t year_from_title(std::string_view title);

// Collects bad-line reports for one file: throws, or counts when skipping is allowed.
class LineErrors {
 public:
  LineErrors(std::string path, bool skip, int64_t* skipped)
      : path_(std::move(path)), skip_(skip), skipped_(skipped) {}
  // Throws tg::Error "load_dataset: PATH:LINE: msg" unless skipping; then counts the line.
  void bad(int64_t line, const std::string& msg);
  [[noreturn]] void fatal(int64_t line, const std::string& msg) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool skip_;
  int64_t* skipped_;
};

}  // namespace tg::recsys::detail
