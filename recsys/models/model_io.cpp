// recsys/models/model_io.cpp — saving and loading trained models (safetensors: weights, the
// settings needed to rebuild the model, and the raw-id maps so ids mean the same on reload).
#include <cstdlib>

#include "../../autograd/grad_mode.h"
#include "../../nn/serialize.h"
#include "../../tensor/ops.h"
#include "recommender.h"

namespace tg::recsys {
namespace {

Tensor raw_ids(const IdMap& m) {
  std::vector<int64_t> v(static_cast<size_t>(m.size()));
  for (int64_t i = 0; i < m.size(); ++i) v[static_cast<size_t>(i)] = m.raw(i);
  return from_vector(v);
}

double number(const nn::Metadata& md, const std::string& key, const std::string& path) {
  auto it = md.find(key);
  TG_CHECK(it != md.end(), path, ": not a tapegrad-recsys model file (metadata '", key,
           "' is missing)");
  char* end = nullptr;
  double v = std::strtod(it->second.c_str(), &end);
  TG_CHECK(end && *end == '\0', path, ": metadata '", key, "' is not a number: ", it->second);
  return v;
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
                     {"lr", std::to_string(c.lr)},
                     {"batch", std::to_string(c.batch)},
                     {"optimizer", c.optimizer},
                     {"weight_decay", std::to_string(c.weight_decay)},
                     {"seed", std::to_string(c.seed)},
                     {"mean", std::to_string(mean)}};
  nn::save_safetensors(path, tensors, md);
}

std::shared_ptr<Recommender> load_model(const std::string& path, const Dataset& ds,
                                        std::string* name_out) {
  nn::Loaded l = nn::load_safetensors(path);
  auto fmt = l.metadata.find("format");
  TG_CHECK(fmt != l.metadata.end() && fmt->second == "tapegrad-recsys-model", path,
           ": not a tapegrad-recsys model file");
  const std::string name = l.metadata.at("model");
  for (const char* key : {"ids.users", "ids.items"})
    TG_CHECK(l.tensors.count(key), path, ": the model file has no '", key, "' tensor");
  TG_CHECK(equal(l.tensors["ids.users"], raw_ids(ds.users)) &&
               equal(l.tensors["ids.items"], raw_ids(ds.items)),
           path, ": the model was trained on a dataset with other user/item ids than ", ds.dir,
           " (train it on this data, or pass the data it was trained on)");
  TrainConfig c;
  c.dim = static_cast<int64_t>(number(l.metadata, "dim", path));
  c.epochs = static_cast<int64_t>(number(l.metadata, "epochs", path));
  c.lr = number(l.metadata, "lr", path);
  c.batch = static_cast<int64_t>(number(l.metadata, "batch", path));
  c.weight_decay = number(l.metadata, "weight_decay", path);
  c.seed = static_cast<uint64_t>(number(l.metadata, "seed", path));
  c.optimizer = l.metadata.at("optimizer");
  if (c.optimizer == "als") c.optimizer.clear();
  auto model = make_model(name, ds);
  model->prepare(ds, c, static_cast<float>(number(l.metadata, "mean", path)));
  l.tensors.erase("ids.users");
  l.tensors.erase("ids.items");
  model->load_state_dict(l.tensors, /*strict=*/true);
  model->eval();
  if (name_out) *name_out = name;
  return model;
}

}  // namespace tg::recsys
