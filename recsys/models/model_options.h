// recsys/models/model_options.h — a model's settings beyond TrainConfig (e.g. DeepMf::Options) as
// named, typed, range-checked values, so that one mechanism can set them from the command line
// (`tapegrad-recsys train --set dot=false`), save them with a model (save_model writes
// "option.<name>" metadata) and restore them on load, and put them in a training checkpoint's
// settings key. A model lists its options in Recommender::describe_options:
//
//   void DeepMf::describe_options(ModelOptions& o) {
//     o.add("dropout", opt_.dropout, 0.0, 0.99);
//     o.add("dot", opt_.dot);
//   }
//
// Values are text both ways: bools as true/false (1/0 accepted), integers in decimal, doubles
// with up to 17 significant digits (the fewest that read back exactly).
#pragma once

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "../../tensor/error.h"

namespace tg::recsys {

class ModelOptions {
 public:
  explicit ModelOptions(std::string model) : model_(std::move(model)) {}

  void add(const char* name, bool& v) { entries_.push_back({name, &v, 0, 1}); }
  void add(const char* name, int64_t& v, int64_t lo, int64_t hi) {
    entries_.push_back({name, &v, static_cast<double>(lo), static_cast<double>(hi)});
  }
  void add(const char* name, double& v, double lo, double hi) { entries_.push_back({name, &v, lo, hi}); }

  bool empty() const { return entries_.empty(); }
  bool has(const std::string& name) const { return find(name) != nullptr; }

  // name -> value text, sorted by name.
  std::map<std::string, std::string> values() const {
    std::map<std::string, std::string> out;
    for (const Entry& e : entries_) out[e.name] = text(e);
    return out;
  }

  // Sets one option from text; tg::Error naming the model and the option for an unknown name
  // (listing the known ones), a value that does not parse, or one outside the option's range.
  void set(const std::string& name, const std::string& value) {
    const Entry* e = find(name);
    if (!e) {
      std::string known;
      for (const Entry& k : entries_) known += (known.empty() ? "" : ", ") + k.name;
      TG_THROW(model_, ": unknown option '", name, "' (", known.empty() ? "it has no options" :
               "its options: " + known, ")");
    }
    if (auto* b = std::get_if<bool*>(&e->ptr)) {
      if (value == "true" || value == "1") **b = true;
      else if (value == "false" || value == "0") **b = false;
      else TG_THROW(model_, ": option ", name, " must be true or false, got '", value, "'");
      return;
    }
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(value.c_str(), &end);
    TG_CHECK(!value.empty() && end && *end == '\0' && errno == 0 && std::isfinite(v), model_,
             ": option ", name, " must be a number, got '", value, "'");
    TG_CHECK(v >= e->lo && v <= e->hi, model_, ": option ", name, " must be in [", e->lo, ", ",
             e->hi, "], got ", value);
    if (auto* i = std::get_if<int64_t*>(&e->ptr)) {
      TG_CHECK(v == std::floor(v), model_, ": option ", name, " must be an integer, got '", value, "'");
      **i = static_cast<int64_t>(v);
    } else {
      *std::get<double*>(e->ptr) = v;
    }
  }

 private:
  struct Entry {
    std::string name;
    std::variant<bool*, int64_t*, double*> ptr;
    double lo, hi;
  };

  const Entry* find(const std::string& name) const {
    for (const Entry& e : entries_)
      if (e.name == name) return &e;
    return nullptr;
  }

  static std::string text(const Entry& e) {
    if (auto* b = std::get_if<bool*>(&e.ptr)) return **b ? "true" : "false";
    if (auto* i = std::get_if<int64_t*>(&e.ptr)) return std::to_string(**i);
    const double v = *std::get<double*>(e.ptr);
    char buf[32];
    for (int digits = 15; digits <= 17; ++digits) {
      std::snprintf(buf, sizeof buf, "%.*g", digits, v);
      if (std::strtod(buf, nullptr) == v) break;
    }
    return buf;
  }

  std::string model_;
  std::vector<Entry> entries_;
};

}  // namespace tg::recsys
