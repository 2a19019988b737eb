// recsys/models/svdpp.cpp — see svdpp.h.
#include "svdpp.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <unordered_map>
#include <utility>

#include "../../nn/functional.h"
#include "../../tensor/generator.h"
#include "../../tensor/ops.h"

namespace tg::recsys {

Defaults SvdPP::defaults() const {
  Defaults d;
  // Chosen on the 5% validation part of ML-100K u1.base (docs/results.md), never on u1.test.
  d.epochs = 60;
  d.dim = 32;
  d.lr = 0.0015;
  d.batch = 512;
  d.optimizer = "sparse_adam";
  d.weight_decay = 0.08;
  d.refit = true;
  d.user_batches = opt_.user_batches;
  return d;
}

std::string SvdPP::extra_repr() const {
  std::ostringstream os;
  os << "users=" << num_users_ << ", items=" << num_items_ << ", dim=" << cfg_.dim
     << ", implicit=" << (implicit_items_.defined() ? implicit_items_.numel() : 0);
  return os.str();
}

void SvdPP::describe_options(ModelOptions& o) {
  o.add("init_std", opt_.init_std, 0.0, 10.0);
  o.add("bias_reg", opt_.bias_reg, 0.0, 1e6);
  o.add("implicit_reg", opt_.implicit_reg, 0.0, 1e6);
  o.add("user_lr", opt_.user_lr, 1e-6, 1e6);
  o.add("user_batches", opt_.user_batches);
  o.add("implicit_sample", opt_.implicit_sample, 0, int64_t{1} << 30);
}

void SvdPP::build(const Dataset&, const Interactions&, const TrainConfig& cfg) {
  Generator gen(cfg.seed);
  const int64_t d = cfg.dim;
  user_factors_ = register_parameter("user_factors", mul(randn({num_users_, d}, &gen), opt_.init_std));
  item_factors_ = register_parameter("item_factors", mul(randn({num_items_, d}, &gen), opt_.init_std));
  implicit_factors_ =
      register_parameter("implicit_factors", mul(randn({num_items_, d}, &gen), opt_.init_std));
  user_bias_ = register_parameter("user_bias", zeros({num_users_, 1}));
  item_bias_ = register_parameter("item_bias", zeros({num_items_, 1}));
  // Empty lists until fit_features (or a loaded state) fills them.
  implicit_offsets_ = register_buffer("implicit_offsets", zeros({num_users_ + 1}, kInt64));
  implicit_items_ = register_buffer("implicit_items", zeros({0}, kInt64));
  register_buffer("global_mean", full({}, mean_));
}

void SvdPP::fit_features(const Dataset&, const Interactions& train) {
  // CSR of the items each user rated in `train` (the training data only).
  std::vector<int64_t> off(static_cast<size_t>(num_users_ + 1), 0);
  for (int64_t u : train.user) {
    TG_CHECK(u >= 0 && u < num_users_, "SvdPP: user id ", u, " out of range");
    ++off[static_cast<size_t>(u + 1)];
  }
  for (size_t u = 0; u < static_cast<size_t>(num_users_); ++u) off[u + 1] += off[u];
  std::vector<int64_t> items(train.size()), pos(off.begin(), off.end() - 1);
  for (size_t k = 0; k < train.size(); ++k)
    items[static_cast<size_t>(pos[static_cast<size_t>(train.user[k])]++)] = train.item[k];
  Tensor o = from_vector(off), it = from_vector(items, DimVec{static_cast<int64_t>(items.size())});
  implicit_offsets_.impl().set_data(o.to(implicit_offsets_.device()).impl());
  implicit_items_.impl().set_data(it.to(implicit_items_.device()).impl());
}

void SvdPP::adapt_to_state(const nn::StateDict& state) {
  // The implicit lists' length depends on the training data: take the saved shape.
  auto it = state.find("implicit_items");
  if (it != state.end() && !(it->second.sizes() == implicit_items_.sizes()))
    implicit_items_.impl().set_data(zeros(it->second.sizes(), kInt64).to(implicit_items_.device()).impl());
}

namespace {

// The rows of the last forward() on this thread, read by regularization() in the same loss()
// call (thread-local: forward() must not write the model; see mf.cpp).
struct BatchRows {
  const SvdPP* model = nullptr;
  Tensor pu, qi, bu, bi, zu;
};
thread_local BatchRows t_rows;

}  // namespace

Tensor SvdPP::forward(const Tensor& users, const Tensor& items) {
  // One bag per distinct user of the batch (training batches hold whole users, see
  // Defaults::user_batches): ids, offsets and the |N(u)|^-1/2 weights, built on the host.
  Tensor off_t = implicit_offsets_.cpu().contiguous(), items_t = implicit_items_.cpu().contiguous();
  Tensor users_h = users.cpu().contiguous();
  const int64_t* off = off_t.data<int64_t>();
  const int64_t* all = items_t.data<int64_t>();
  const int64_t* us = users_h.data<int64_t>();
  const int64_t b = users_h.numel();
  std::unordered_map<int64_t, int64_t> bag_of;
  std::vector<int64_t> ids, offsets, which(static_cast<size_t>(b));
  std::vector<float> w;
  const int64_t k_sample = is_training() ? opt_.implicit_sample : 0;
  Tensor noise;  // uniform draws for the sampled subsets (training only)
  const float* u01 = nullptr;
  if (k_sample > 0) {
    noise = rand({b * k_sample}, &default_generator());
    u01 = noise.data<float>();
  }
  std::vector<int64_t> pool;
  for (int64_t k = 0; k < b; ++k) {
    auto [pos, fresh] = bag_of.try_emplace(us[k], static_cast<int64_t>(offsets.size()));
    which[static_cast<size_t>(k)] = pos->second;
    if (!fresh) continue;
    offsets.push_back(static_cast<int64_t>(ids.size()));
    const int64_t lo = off[us[k]], hi = off[us[k] + 1], n = hi - lo;
    const float scale = n > 0 ? 1.0f / std::sqrt(static_cast<float>(n)) : 0.0f;
    if (k_sample > 0 && n > k_sample) {
      // k distinct items by a partial Fisher-Yates shuffle; weight scale * n / k (unbiased).
      pool.assign(all + lo, all + hi);
      const float ws = scale * static_cast<float>(n) / static_cast<float>(k_sample);
      for (int64_t s = 0; s < k_sample; ++s) {
        const float r = u01[static_cast<size_t>(k * k_sample + s)];
        int64_t j = s + std::min(n - s - 1, static_cast<int64_t>(r * static_cast<float>(n - s)));
        std::swap(pool[static_cast<size_t>(s)], pool[static_cast<size_t>(j)]);
        ids.push_back(pool[static_cast<size_t>(s)]);
        w.push_back(ws);
      }
      continue;
    }
    for (int64_t j = lo; j < hi; ++j) {
      ids.push_back(all[j]);
      w.push_back(scale);
    }
  }
  const Device dev = user_factors_.device();
  Tensor ids_t = from_vector(ids, DimVec{static_cast<int64_t>(ids.size())}).to(dev);
  Tensor w_t = from_vector(w, DimVec{static_cast<int64_t>(w.size())}).to(implicit_factors_.dtype()).to(dev);
  Tensor bags = nn::functional::embedding_bag(implicit_factors_, ids_t, from_vector(offsets).to(dev),
                                              nn::EmbeddingBagMode::Sum, w_t, /*sparse=*/true);
  Tensor zu = index_select(bags, 0, from_vector(which).to(dev));
  Tensor pu = embedding(user_factors_, users, /*sparse_grad=*/true);
  Tensor qi = embedding(item_factors_, items, true);
  Tensor bu = embedding(user_bias_, users, true).squeeze(1);
  Tensor bi = embedding(item_bias_, items, true).squeeze(1);
  t_rows = {this, pu, qi, bu, bi, zu};
  return add(add(add(sum(mul(add(pu, zu), qi), {1}), bu), bi), Scalar(mean_));
}

Tensor SvdPP::regularization(const Tensor&, const Tensor&) {
  TG_INTERNAL_ASSERT(t_rows.model == this, "regularization() without forward()");
  const BatchRows rows = std::exchange(t_rows, BatchRows{});
  const double wd = cfg_.weight_decay;
  Tensor f = add(sum(mul(rows.pu, rows.pu), {1}), sum(mul(rows.qi, rows.qi), {1}));
  Tensor b = add(mul(rows.bu, rows.bu), mul(rows.bi, rows.bi));
  Tensor z = sum(mul(rows.zu, rows.zu), {1});
  return add(add(mul(mean(f), wd), mul(mean(b), wd * opt_.bias_reg)),
             mul(mean(z), wd * opt_.implicit_reg));
}

std::vector<std::unique_ptr<optim::Optimizer>> SvdPP::make_optimizers(const TrainConfig& cfg) {
  std::vector<std::unique_ptr<optim::Optimizer>> v;
  v.push_back(make_optimizer(cfg.optimizer, {user_factors_, user_bias_}, cfg.lr * opt_.user_lr));
  v.push_back(make_optimizer(cfg.optimizer, {item_factors_, implicit_factors_, item_bias_}, cfg.lr));
  return v;
}

}  // namespace tg::recsys
