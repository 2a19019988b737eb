// recsys/data/genre_collector.cpp — genre names of the '::'/CSV/RecBole formats, numbered A-Z.
#include <algorithm>

#include "loaders.h"

namespace tg::recsys::detail {

std::vector<int32_t> GenreCollector::add_list(std::string_view list, std::string_view sep) {
  std::vector<int32_t> out;
  list = trim(list);
  if (list.empty() || list == "(no genres listed)") return out;
  std::vector<std::string_view> parts;
  split(list, sep, parts);
  for (std::string_view p : parts) {
    p = trim(p);
    if (p.empty()) continue;
    std::string name(p);
    auto [it, inserted] = ids_.try_emplace(name, static_cast<int32_t>(names_.size()));
    if (inserted) names_.push_back(name);
    if (std::find(out.begin(), out.end(), it->second) == out.end()) out.push_back(it->second);
  }
  return out;
}

void GenreCollector::finish(Dataset& ds, RawMeta& meta) const {
  std::vector<int32_t> order(names_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int32_t>(i);
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return names_[a] < names_[b]; });
  std::vector<int32_t> renumber(names_.size());
  ds.genre_names.clear();
  for (size_t rank = 0; rank < order.size(); ++rank) {
    renumber[order[rank]] = static_cast<int32_t>(rank);
    ds.genre_names.push_back(names_[order[rank]]);
  }
  for (auto& [id, info] : meta.items) {
    for (int32_t& g : info.genres) g = renumber[static_cast<size_t>(g)];
    std::sort(info.genres.begin(), info.genres.end());
  }
}

}  // namespace tg::recsys::detail
