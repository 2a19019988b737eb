// recsys/models/model_io.cpp — saving and loading trained models (safetensors: weights, the
// settings needed to rebuild the model, and the raw-id maps so ids mean the same on reload).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "../../autograd/grad_mode.h"
#include "../../nn/serialize.h"
#include "../../tensor/ops.h"
#include "ranking.h"
#include "recommender.h"

namespace tg::recsys {
namespace {

Tensor raw_ids(const IdMap& m) {
  std::vector<int64_t> v(static_cast<size_t>(m.size()));
  for (int64_t i = 0; i < m.size(); ++i) v[static_cast<size_t>(i)] = m.raw(i);
  return from_vector(v);
}

const std::string& text(const nn::Metadata& md, const std::string& key, const std::string& path) {
  auto it = md.find(key);
  TG_CHECK(it != md.end(), path, ": not a tapegrad-recsys model file (metadata '", key,
           "' is missing)");
  return it->second;
}

// A finite number (the file is untrusted: NaN, infinities and trailing text are errors).
double number(const nn::Metadata& md, const std::string& key, const std::string& path) {
  const std::string& s = text(md, key, path);
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  TG_CHECK(!s.empty() && end && *end == '\0' && std::isfinite(v), path, ": metadata '", key,
           "' is not a finite number: ", s);
  return v;
}

// An integer in [lo, hi] (checked before the cast, which would be undefined out of range).
int64_t integer(const nn::Metadata& md, const std::string& key, const std::string& path, int64_t lo,
                int64_t hi) {
  double v = number(md, key, path);
  TG_CHECK(v == std::floor(v) && v >= static_cast<double>(lo) && v <= static_cast<double>(hi), path,
           ": metadata '", key, "' must be an integer in [", lo, ", ", hi, "], got ", md.at(key));
  return static_cast<int64_t>(v);
}

// The seed is a full uint64: parsed exactly, not through a double.
uint64_t seed_of(const nn::Metadata& md, const std::string& path) {
  const std::string& s = text(md, "seed", path);
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  TG_CHECK(!s.empty() && ec == std::errc() && ptr == s.data() + s.size(), path,
           ": metadata 'seed' is not an unsigned 64-bit integer: ", s);
  return v;
}

// Shortest text that reads back as the same double (std::to_string keeps only 6 decimals).
std::string exact(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

void save_model(const std::string& path, Recommender& model, const std::string& name,
                const Dataset& ds) {
  TrainConfig c = model.resolved_config();
  nn::StateDict tensors = model.state_dict();
  tensors["ids.users"] = raw_ids(ds.users);
  tensors["ids.items"] = raw_ids(ds.items);
  float mean = 0;
  auto sd = model.state_dict();
  if (auto it = sd.find("global_mean"); it != sd.end()) mean = it->second.item<float>();
  nn::Metadata md = {{"format", "tapegrad-recsys-model"},
                     {"model", name},
                     {"dataset", ds.name},
                     {"dim", std::to_string(c.dim)},
                     {"epochs", std::to_string(c.epochs)},
                     {"lr", exact(c.lr)},
                     {"batch", std::to_string(c.batch)},
                     {"optimizer", c.optimizer},
                     {"weight_decay", exact(c.weight_decay)},
                     {"seed", std::to_string(c.seed)},
                     {"task", c.task},
                     {"behaviour", c.behaviour},
                     {"mean", exact(mean)}};
  for (const auto& [k, v] : model.option_values()) md["option." + k] = v;
  nn::save_safetensors(path, tensors, md);
}

std::shared_ptr<Recommender> load_model(const std::string& path, const Dataset& ds,
                                        std::string* name_out) {
  nn::Loaded l = nn::load_safetensors(path);
  auto fmt = l.metadata.find("format");
  TG_CHECK(fmt != l.metadata.end() && fmt->second == "tapegrad-recsys-model", path,
           ": not a tapegrad-recsys model file");
  const std::string name = text(l.metadata, "model", path);
  for (const char* key : {"ids.users", "ids.items"})
    TG_CHECK(l.tensors.count(key), path, ": the model file has no '", key, "' tensor");
  TG_CHECK(equal(l.tensors["ids.users"], raw_ids(ds.users)) &&
               equal(l.tensors["ids.items"], raw_ids(ds.items)),
           path, ": the model was trained on a dataset with other user/item ids than ", ds.dir,
           " (train it on this data, or pass the data it was trained on)");
  TrainConfig c;  // -1 means "the model's default", as on the command line
  c.dim = integer(l.metadata, "dim", path, -1, int64_t{1} << 16);
  c.epochs = integer(l.metadata, "epochs", path, -1, int64_t{1} << 30);
  c.lr = number(l.metadata, "lr", path);
  c.batch = integer(l.metadata, "batch", path, -1, int64_t{1} << 30);
  c.weight_decay = number(l.metadata, "weight_decay", path);
  c.seed = seed_of(l.metadata, path);
  c.optimizer = text(l.metadata, "optimizer", path);
  if (c.optimizer == "als") c.optimizer.clear();
  // Files written before the binary task and behaviour vectors existed have neither key.
  if (auto it = l.metadata.find("task"); it != l.metadata.end()) c.task = it->second;
  if (auto it = l.metadata.find("behaviour"); it != l.metadata.end()) c.behaviour = it->second;
  else c.behaviour = "none";
  const double mean = number(l.metadata, "mean", path);
  TG_CHECK(std::fabs(mean) <= 1e30, path, ": metadata 'mean' is out of range: ", mean);
  // Rating models and ranking models (rank --save-dir) share the format.
  const auto& rn = ranking_model_names();
  std::shared_ptr<Recommender> model = std::find(rn.begin(), rn.end(), name) != rn.end()
                                           ? std::shared_ptr<Recommender>(make_ranking_model(name))
                                           : make_model(name, ds);
  // The model's own settings (Recommender::option_values): every option the file names; a file
  // written before models saved them names none and gets the settings of that time.
  bool any_option = false;
  for (const auto& [k, v] : l.metadata)
    if (k.rfind("option.", 0) == 0) {
      any_option = true;
      try {
        model->set_option(k.substr(7), v);
      } catch (const Error& e) {
        TG_THROW(path, ": metadata '", k, "': ", e.what());
      }
    }
  if (!any_option) model->use_legacy_options();
  model->prepare(ds, c, static_cast<float>(mean));
  l.tensors.erase("ids.users");
  l.tensors.erase("ids.items");
  model->adapt_to_state(l.tensors);
  model->load_state_dict(l.tensors, /*strict=*/true);
  model->eval();
  if (name_out) *name_out = name;
  return model;
}

}  // namespace tg::recsys
