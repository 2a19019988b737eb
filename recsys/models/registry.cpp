// recsys/models/registry.cpp — model names and the factory the CLI uses.
#include "als.h"
#include "bpmf.h"
#include "deep_mf.h"
#include "mf.h"
#include "svdpp.h"
#include "wide_deep.h"
#include "recommender.h"

namespace tg::recsys {

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names = {"mf",      "als",   "wide_deep",
                                                 "deep_mf", "svdpp", "bpmf"};
  return names;
}

std::shared_ptr<Recommender> make_model(const std::string& name, const Dataset& ds) {
  if (name == "mf") return std::make_shared<BiasedMf>();
  if (name == "wide_deep") return std::make_shared<WideDeep>();
  if (name == "deep_mf") return std::make_shared<DeepMf>();
  if (name == "svdpp") return std::make_shared<SvdPP>();
  if (name == "als") return std::make_shared<Als>(ds.num_users(), ds.num_items());
  if (name == "bpmf") return std::make_shared<Bpmf>(ds.num_users(), ds.num_items());
  std::string known;
  for (const auto& n : model_names()) known += (known.empty() ? "" : ", ") + n;
  TG_THROW("unknown model '", name, "' (expected one of: ", known, ")");
}

}  // namespace tg::recsys
