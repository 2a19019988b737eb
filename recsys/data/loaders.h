// recsys/data/loaders.h — the per-format readers behind load_dataset (internal).
//
// Each reader fills `ds.ratings` with RAW ids and `meta` with metadata keyed by raw id;
// finalize() then builds the dense id maps and the dense-indexed item_info / user_info.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "dataset.h"
#include "text.h"

namespace tg::recsys::detail {

struct RawMeta {
  std::unordered_map<int64_t, ItemInfo> items;
  std::unordered_map<int64_t, UserInfo> users;
  bool has_users = false;
};

void load_grouplens_100k(Dataset& ds, RawMeta& meta, const LoadOptions& opts);
void load_grouplens_dat(Dataset& ds, RawMeta& meta, const LoadOptions& opts);
void load_csv(Dataset& ds, RawMeta& meta, const LoadOptions& opts);
void load_recbole(Dataset& ds, RawMeta& meta, const LoadOptions& opts, const std::string& inter);

// Parses "user SEP item SEP rating SEP timestamp" lines (raw ids) into `out`; `text` starts at
// line `first_line` of its file and lines numbered <= skip_lines (the header) are skipped. Fast
// path per line, exact error messages on the slow path. Returns the number of lines in `text`.
int64_t parse_rating_lines(std::string_view text, std::string_view sep, int64_t skip_lines,
                           LineErrors& errs, Interactions& out, int64_t first_line = 1);

// The longest line a ratings file may have; a longer one is an error (even with skip_bad_lines),
// found after reading at most one chunk, so a runaway line costs neither memory nor time.
inline constexpr size_t kMaxLineBytes = size_t{1} << 20;

// Streams a ratings file through parse_rating_lines in chunks of whole lines, so that memory is
// one chunk plus the parsed columns (reserved from the file size and the first chunk's line
// lengths) instead of the whole file. `header(first_line)` (optional) sees the first line after
// any UTF-8 byte-order mark and returns how many header lines to skip. Returns false when the
// file holds nothing but whitespace.
bool stream_rating_file(const std::string& path, std::string_view sep, LineErrors& errs,
                        Interactions& out,
                        const std::function<int64_t(std::string_view)>& header = nullptr);

// For tests only: the chunk size stream_rating_file starts with (0 restores the default,
// 4 MiB). Small chunks exercise the line carried over between chunks. Not thread-safe.
void set_rating_chunk_bytes_for_testing(size_t bytes);

// Reads a headerless ratings file DIR/name ("user SEP item SEP rating SEP timestamp" per line)
// into ds.ratings: empty files and files without one valid rating are errors naming the file.
void read_rating_file(Dataset& ds, const std::string& name, std::string_view sep,
                      const LoadOptions& opts);

// Checks one parsed rating row; returns an error message or "" when fine.
std::string check_row(int64_t user, int64_t item, double rating);

// Maps raw ids to dense ones (ascending raw id), fills item_info / user_info, min/max rating.
void finalize(Dataset& ds, RawMeta& meta);

// The rows of a split file (uX.base) mapped through ds's id maps; unknown ids are errors.
Interactions read_mapped_ratings(const Dataset& ds, const std::string& path);

inline constexpr double kMaxRating = 10.0;

// Genre names met while reading ('|'-separated lists); finish() numbers them alphabetically.
class GenreCollector {
 public:
  // Splits "Action|Comedy" into provisional ids; "(no genres listed)" gives none.
  std::vector<int32_t> add_list(std::string_view list, std::string_view sep = "|");
  // Sets ds.genre_names (sorted) and renumbers the genres of every item in meta.
  void finish(Dataset& ds, RawMeta& meta) const;

 private:
  std::vector<std::string> names_;  // provisional id -> name
  std::unordered_map<std::string, int32_t> ids_;
};

}  // namespace tg::recsys::detail
