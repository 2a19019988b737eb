// recsys/models/wide_deep.cpp — see wide_deep.h.
#include "wide_deep.h"

#include <sstream>
#include <utility>

#include "../../autograd/grad_mode.h"
#include "../../nn/activation.h"
#include "../../nn/dropout.h"
#include "../../nn/functional.h"
#include "../../nn/linear.h"
#include "../../tensor/generator.h"
#include "../../tensor/ops.h"
#include "item2vec.h"

namespace tg::recsys {
namespace {

// A well-mixed 64-bit hash of (kind, a, b) for the hashed cross-product features.
uint64_t mix(uint64_t kind, uint64_t a, uint64_t b) {
  uint64_t x = kind * 0x9E3779B97F4A7C15ULL ^ (a + 0x632BE59BD9B4E019ULL) * 0xBF58476D1CE4E5B9ULL ^
               (b + 0x8CB92BA72F3D8DD7ULL) * 0x94D049BB133111EBULL;
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 29;
  return x;
}

constexpr int64_t kSideDim = 8;

}  // namespace

Defaults WideDeep::defaults() const {
  Defaults d;
  d.epochs = 40;
  d.dim = 32;
  d.lr = 1e-3;
  d.batch = 256;
  d.optimizer = "adam";   // deep MLP; embeddings SparseAdam; wide Adagrad
  d.weight_decay = 0.2;   // L2 on touched user/item rows; chosen on the u1.base validation part
  d.behaviour = "item2vec";  // lowered the validation RMSE on every fold (docs/results.md)
  return d;
}

std::string WideDeep::extra_repr() const {
  std::ostringstream os;
  os << "users=" << num_users_ << ", items=" << num_items_ << ", dim=" << cfg_.dim
     << ", wide_features=" << (wide_weight_.defined() ? wide_weight_.size(0) : 0);
  return os.str();
}

void WideDeep::build(const Dataset& ds, const Interactions&, const TrainConfig& cfg) {
  uf_ = user_features(ds);
  if_ = item_features(ds);
  age_ = from_vector(uf_.age_bucket);
  gender_ = from_vector(uf_.gender);
  occupation_ = from_vector(uf_.occupation);
  zip_ = from_vector(uf_.zip_prefix);
  year_ = from_vector(if_.year_bucket);
  for (Tensor* t : {&age_, &gender_, &occupation_, &zip_, &year_}) *t = t->to(cfg.device);
  no_genre_ = if_.n_genres;

  Generator gen(cfg.seed);
  const int64_t d = cfg.dim;
  auto emb = [&](const std::string& name, int64_t rows, int64_t dim) {
    return register_parameter(name, mul(randn({rows, dim}, &gen), 0.05));
  };
  wide_weight_ = register_parameter("wide_weight", zeros({num_users_ + num_items_ + kCrossBuckets, 1}));
  wide_bias_ = register_parameter("wide_bias", zeros({1}));
  user_emb_ = emb("user_emb", num_users_, d);
  item_emb_ = emb("item_emb", num_items_, d);
  age_emb_ = emb("age_emb", uf_.n_age, kSideDim);
  gender_emb_ = emb("gender_emb", uf_.n_gender, kSideDim);
  occ_emb_ = emb("occupation_emb", uf_.n_occupation, kSideDim);
  zip_emb_ = emb("zip_emb", uf_.n_zip, kSideDim);
  year_emb_ = emb("year_emb", if_.n_year, kSideDim);
  genre_emb_ = emb("genre_emb", if_.n_genres + 1, kSideDim);
  TG_CHECK(cfg.behaviour == "none" || cfg.behaviour == "item2vec", "wide_deep: unknown behaviour '",
           cfg.behaviour, "' (expected item2vec or none)");
  int64_t in = 2 * d + 6 * kSideDim;
  if (cfg.behaviour == "item2vec") {
    behaviour_user_ = register_buffer("behaviour_user", zeros({num_users_, kBehaviourDim}));
    behaviour_item_ = register_buffer("behaviour_item", zeros({num_items_, kBehaviourDim}));
    in += 2 * kBehaviourDim;
  }
  mlp_ = register_module("mlp", std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::UnaryModule>>{
      std::make_shared<nn::Linear>(in, 128, true, &gen), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Dropout>(0.2), std::make_shared<nn::Linear>(128, 64, true, &gen),
      std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(64, 1, true, &gen)}));
  register_buffer("global_mean", full({}, mean_));
}

void WideDeep::fit_features(const Dataset&, const Interactions& train) {
  if (cfg_.behaviour != "item2vec") return;
  // Only the training part: the vectors must not see validation or test ratings.
  auto histories = user_histories(train, num_users_);
  Item2VecOptions o;
  o.dim = kBehaviourDim;
  o.seed = cfg_.seed ^ 0x17E2'0FECULL;
  Tensor items = train_item2vec(histories, num_items_, o);
  NoGradGuard no_grad;
  behaviour_item_.copy_(items.to(behaviour_item_.device()));
  behaviour_user_.copy_(mean_history_vectors(histories, items).to(behaviour_user_.device()));
}

void WideDeep::wide_ids(const Tensor& users, const Tensor& items, Tensor& ids, Tensor& offsets) const {
  const int64_t b = users.numel();
  const int64_t* up = users.data<int64_t>();
  const int64_t* ip = items.data<int64_t>();
  const int64_t base_item = num_users_, base_cross = num_users_ + num_items_;
  std::vector<int64_t> out, off;
  out.reserve(static_cast<size_t>(b) * 16);
  off.reserve(static_cast<size_t>(b));
  auto cross = [&](uint64_t kind, uint64_t a, uint64_t c) {
    out.push_back(base_cross + static_cast<int64_t>(mix(kind, a, c) % kCrossBuckets));
  };
  for (int64_t k = 0; k < b; ++k) {
    const int64_t u = up[k], i = ip[k];
    off.push_back(static_cast<int64_t>(out.size()));
    out.push_back(u);
    out.push_back(base_item + i);
    const uint64_t g = static_cast<uint64_t>(uf_.gender[u]), a = static_cast<uint64_t>(uf_.age_bucket[u]),
                   o = static_cast<uint64_t>(uf_.occupation[u]);
    cross(5, static_cast<uint64_t>(i), g);
    cross(6, static_cast<uint64_t>(i), a);
    for (int32_t genre : if_.genres[static_cast<size_t>(i)]) {
      cross(1, g, static_cast<uint64_t>(genre));
      cross(2, a, static_cast<uint64_t>(genre));
      cross(3, o, static_cast<uint64_t>(genre));
      cross(4, static_cast<uint64_t>(u), static_cast<uint64_t>(genre));
    }
  }
  ids = from_vector(out);
  offsets = from_vector(off);
}

void WideDeep::genre_bags(const Tensor& items, Tensor& ids, Tensor& offsets) const {
  const int64_t* ip = items.data<int64_t>();
  std::vector<int64_t> out, off;
  for (int64_t k = 0; k < items.numel(); ++k) {
    off.push_back(static_cast<int64_t>(out.size()));
    const auto& gs = if_.genres[static_cast<size_t>(ip[k])];
    if (gs.empty()) out.push_back(no_genre_);
    for (int32_t g : gs) out.push_back(g);
  }
  ids = from_vector(out);
  offsets = from_vector(off);
}

namespace {

// The embedding rows of the last forward() on this thread, read by regularization() in the same
// loss() call. Thread-local rather than members: forward() must not write the model, so that many
// threads can predict() with one shared model at once (tests/test_concurrency.cpp).
struct BatchRows {
  const WideDeep* model = nullptr;
  Tensor pu, qi;
};
thread_local BatchRows t_rows;

}  // namespace

Tensor WideDeep::forward(const Tensor& users_in, const Tensor& items_in) {
  Tensor users = users_in.contiguous(), items = items_in.contiguous();
  Tensor wids, woff, gids, goff;
  // The feature ids are built on the host (hashing, variable-length genre bags), then moved.
  const Tensor users_host = users.cpu(), items_host = items.cpu();
  wide_ids(users_host, items_host, wids, woff);
  genre_bags(items_host, gids, goff);
  const Device dev = users.device();
  wids = wids.to(dev), woff = woff.to(dev), gids = gids.to(dev), goff = goff.to(dev);
  Tensor wide = add(nn::functional::embedding_bag(wide_weight_, wids, woff, nn::EmbeddingBagMode::Sum,
                                                  Tensor(), /*sparse=*/true).squeeze(1),
                    wide_bias_);
  Tensor pu = embedding(user_emb_, users, true), qi = embedding(item_emb_, items, true);
  t_rows = {this, pu, qi};
  std::vector<Tensor> parts = {pu, qi,
                      embedding(age_emb_, index_select(age_, 0, users), true),
                      embedding(gender_emb_, index_select(gender_, 0, users), true),
                      embedding(occ_emb_, index_select(occupation_, 0, users), true),
                      embedding(zip_emb_, index_select(zip_, 0, users), true),
                      embedding(year_emb_, index_select(year_, 0, items), true),
                      nn::functional::embedding_bag(genre_emb_, gids, goff, nn::EmbeddingBagMode::Mean,
                                                    Tensor(), true)};
  if (behaviour_user_.defined()) {
    parts.push_back(index_select(behaviour_user_, 0, users));
    parts.push_back(index_select(behaviour_item_, 0, items));
  }
  Tensor deep = mlp_->forward(cat(parts, 1)).squeeze(1);
  return add(add(wide, deep), Scalar(offset()));
}

Tensor WideDeep::regularization(const Tensor&, const Tensor&) {
  TG_INTERNAL_ASSERT(t_rows.model == this, "regularization() without forward()");
  const BatchRows rows = std::exchange(t_rows, BatchRows{});
  const Tensor &pu = rows.pu, &qi = rows.qi;
  return mul(mean(add(sum(mul(pu, pu), {1}), sum(mul(qi, qi), {1}))), cfg_.weight_decay);
}

std::vector<std::unique_ptr<optim::Optimizer>> WideDeep::make_optimizers(const TrainConfig& cfg) {
  std::vector<std::unique_ptr<optim::Optimizer>> v;
  v.push_back(make_optimizer("adagrad", {wide_weight_}, 0.02));
  v.push_back(make_optimizer("sparse_adam", {user_emb_, item_emb_, age_emb_, gender_emb_, occ_emb_,
                                             zip_emb_, year_emb_, genre_emb_}, cfg.lr));
  std::vector<Tensor> dense = mlp_->parameters();
  dense.push_back(wide_bias_);
  v.push_back(make_optimizer(cfg.optimizer, dense, cfg.lr));
  return v;
}

}  // namespace tg::recsys
