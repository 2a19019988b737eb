// tests/fuzz/fuzz_safetensors.cpp — the safetensors reader (nn/serialize.cpp) and, on top of it,
// the recsys model-file loader (recsys/models/model_io.cpp).
//
// Input: the raw bytes of a .safetensors file. Each input is loaded as plain tensors, as a
// multi-part checkpoint and, when its metadata says "tapegrad-recsys-model", as a model for a
// fixed tiny dataset (tapegrad-recsys synth --users 4 --items 25 --ratings 80 --seed 1; the
// corpus holds models trained on exactly that data, so the id checks pass and the fuzzer reaches
// the metadata and weight checks).
#include <tapegrad/nn/serialize.h>
#include <tapegrad/recsys/data/synthetic.h>
#include <tapegrad/recsys/models/recommender.h>
#include <tapegrad/tapegrad.h>

#include "dataset_check.h"

namespace {

const tg::recsys::Dataset& tiny_dataset() {
  static const tg::recsys::Dataset ds = [] {
    std::string dir = tg::fuzz::Scratch::get().dir() + "/tiny";
    tg::recsys::write_synthetic(dir, 4, 25, 80, 1, "ml-100k");
    return tg::recsys::load_dataset(dir);
  }();
  return ds;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tg::fuzz;
  const auto& ds = tiny_dataset();
  std::string path = Scratch::get().write_one("model.safetensors", {reinterpret_cast<const char*>(data), size});
  try {
    tg::nn::Loaded l = tg::nn::load_safetensors(path);
    for (auto& [name, t] : l.tensors) TG_FUZZ_REQUIRE(t.is_contiguous());
  } catch (const tg::Error& e) {
    expect_clean_error(e);
    return 0;  // what load_checkpoint / load_model read first failed already
  }
  try {
    tg::nn::load_checkpoint(path);
  } catch (const tg::Error& e) {
    expect_clean_error(e);
  }
  try {
    std::string name;
    auto model = tg::recsys::load_model(path, ds, &name);
    tg::Tensor users = tg::from_vector(std::vector<int64_t>{0, 1, 2});
    tg::Tensor items = tg::from_vector(std::vector<int64_t>{0, 1, 3});
    tg::Tensor pred = model->predict(users, items);
    TG_FUZZ_REQUIRE(pred.numel() == 3);
  } catch (const tg::Error& e) {
    expect_clean_error(e);
  }
  return 0;
}
