// recsys/data/loaders.h — the per-format readers behind load_dataset (internal).
//
// Each reader fills `ds.ratings` with RAW ids and `meta` with metadata keyed by raw id;
// finalize() then builds the dense id maps and the dense-indexed item_info / user_info.
#pragma once

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

// Parses "user SEP item SEP rating SEP timestamp" lines (raw ids) into `out`, starting after
// `skip_lines` header lines. Fast path per line, exact error messages on the slow path.
void parse_rating_lines(std::string_view text, std::string_view sep, int64_t skip_lines,
                        LineErrors& errs, Interactions& out);

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
