// recsys/models/bpmf.cpp — Bayesian PMF with biases, by Gibbs sampling. See bpmf.h.
//
// Shapes: U users, I items, D factors, K = D + 1 (a side's row: factors and own bias), S kept
// samples. The chain works in float64 on plain arrays (rows of K); the kept samples are stored in
// float32 tensors, which predict() reads, so a loaded model predicts exactly as the fitted one.
#include "bpmf.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <numbers>
#include <sstream>

#include "../../autograd/grad_mode.h"
#include "../../kernels/cpu/parallel.h"
#include "../../tensor/ops.h"
#include "grouped.h"
#include "../data/random.h"

namespace tg::recsys {
namespace {

// Standard normal and Gamma draws from a counter-based stream (detail::Stream).
class Rng {
 public:
  Rng(uint64_t seed, uint64_t key) : s_(seed, key) {}
  double uniform_open() { return 1.0 - s_.uniform(); }  // (0, 1]
  // Box-Muller; the second value of each pair is kept for the next call.
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double r = std::sqrt(-2.0 * std::log(uniform_open())),
                 t = 2.0 * std::numbers::pi * s_.uniform();
    spare_ = r * std::sin(t);
    has_spare_ = true;
    return r * std::cos(t);
  }
  // Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 through Gamma(shape + 1) * u^(1/shape).
  double gamma(double shape) {
    if (shape < 1.0) return gamma(shape + 1.0) * std::pow(uniform_open(), 1.0 / shape);
    const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
      const double x = normal(), v0 = 1.0 + c * x;
      if (v0 <= 0) continue;
      const double v = v0 * v0 * v0, u = uniform_open();
      if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
    }
  }

 private:
  detail::Stream s_;
  bool has_spare_ = false;
  double spare_ = 0;
};

// Stream tags: which draw a stream feeds (with the chain and sweep they key the stream's seed).
enum Tag : uint64_t {
  kUserRows = 1,
  kItemRows = 2,
  kUserHyper = 3,
  kItemHyper = 4,
  kAlpha = 5,
  kInit = 6
};

Rng stream(uint64_t seed, uint64_t chain, uint64_t sweep, Tag tag, uint64_t row) {
  return Rng(detail::hash3(seed, chain * 8 + tag, sweep), row);
}

// In place: a (K x K, row-major, lower triangle read) becomes its Cholesky factor L (lower,
// a = L L^T); the upper triangle is zeroed. False when a is not positive definite.
bool cholesky(double* a, int64_t k) {
  for (int64_t j = 0; j < k; ++j) {
    double d = a[j * k + j];
    for (int64_t p = 0; p < j; ++p) d -= a[j * k + p] * a[j * k + p];
    if (!(d > 0)) return false;
    d = std::sqrt(d);
    a[j * k + j] = d;
    for (int64_t i = j + 1; i < k; ++i) {
      double s = a[i * k + j];
      for (int64_t p = 0; p < j; ++p) s -= a[i * k + p] * a[j * k + p];
      a[i * k + j] = s / d;
    }
    for (int64_t i = 0; i < j; ++i) a[i * k + j] = 0;
  }
  return true;
}

// x <- L^-1 x (forward substitution).
void solve_lower(const double* l, double* x, int64_t k) {
  for (int64_t i = 0; i < k; ++i) {
    double s = x[i];
    for (int64_t p = 0; p < i; ++p) s -= l[i * k + p] * x[p];
    x[i] = s / l[i * k + i];
  }
}

// x <- L^-T x (back substitution with the transpose).
void solve_lower_t(const double* l, double* x, int64_t k) {
  for (int64_t i = k - 1; i >= 0; --i) {
    double s = x[i];
    for (int64_t p = i + 1; p < k; ++p) s -= l[p * k + i] * x[p];
    x[i] = s / l[i * k + i];
  }
}

// One side's hyperparameters: its prior precision Lambda (K x K) and lambda_mu = Lambda * mu.
struct Hyper {
  std::vector<double> lambda, lambda_mu;
};

// (mu, Lambda) ~ Normal-Wishart posterior given the n rows x (n x K), with the prior mu0 = 0,
// beta0, W0 = w0 * I, nu0 = K:
//   beta* = beta0 + n, nu* = nu0 + n, mu* = n xbar / (beta0 + n),
//   W*^-1 = W0^-1 + sum (x - xbar)(x - xbar)^T + beta0 n / (beta0 + n) xbar xbar^T,
//   Lambda ~ Wishart(W*, nu*) (Bartlett: Lambda = (L_W A)(L_W A)^T, A lower triangular with
//   A_jj^2 ~ chi2(nu* - j), A_ij ~ N(0, 1) below the diagonal), mu ~ N(mu*, (beta* Lambda)^-1).
Hyper sample_hyper(const std::vector<double>& x, int64_t n, int64_t k, double beta0, double w0,
                   Rng& rng) {
  const auto kk = static_cast<size_t>(k);
  std::vector<double> mean(kk, 0.0), winv(kk * kk, 0.0);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t j = 0; j < k; ++j) mean[j] += x[r * k + j];
  for (double& m : mean) m /= static_cast<double>(std::max<int64_t>(n, 1));
  std::vector<double> c(kk);
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t j = 0; j < k; ++j) c[j] = x[r * k + j] - mean[j];
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j <= i; ++j) winv[i * k + j] += c[i] * c[j];
  }
  const double nd = static_cast<double>(n), shrink = beta0 * nd / (beta0 + nd);
  for (int64_t i = 0; i < k; ++i) {
    winv[i * k + i] += 1.0 / w0;
    for (int64_t j = 0; j <= i; ++j) winv[i * k + j] += shrink * mean[i] * mean[j];
  }
  // L_W: the Cholesky factor of W* = (W*^-1)^-1, column by column through W*^-1's factor.
  TG_CHECK(cholesky(winv.data(), k),
           "bpmf: the Normal-Wishart posterior scale is not positive "
           "definite (non-finite factors?)");
  std::vector<double> w(kk * kk, 0.0), col(kk);
  for (int64_t j = 0; j < k; ++j) {
    std::fill(col.begin(), col.end(), 0.0);
    col[j] = 1.0;
    solve_lower(winv.data(), col.data(), k);
    solve_lower_t(winv.data(), col.data(), k);
    for (int64_t i = 0; i < k; ++i) w[i * k + j] = col[i];
  }
  TG_CHECK(cholesky(w.data(), k),
           "bpmf: the Normal-Wishart posterior scale is not positive definite");
  const double nu = static_cast<double>(k) + nd;
  std::vector<double> a(kk * kk, 0.0);
  for (int64_t i = 0; i < k; ++i) {
    a[i * k + i] = std::sqrt(2.0 * rng.gamma(0.5 * (nu - static_cast<double>(i))));
    for (int64_t j = 0; j < i; ++j) a[i * k + j] = rng.normal();
  }
  // cl = L_W A (lower triangular): the Cholesky factor of Lambda.
  std::vector<double> cl(kk * kk, 0.0);
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j <= i; ++j) {
      double s = 0;
      for (int64_t p = j; p <= i; ++p) s += w[i * k + p] * a[p * k + j];
      cl[i * k + j] = s;
    }
  Hyper h;
  h.lambda.assign(kk * kk, 0.0);
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < k; ++j) {
      double s = 0;
      for (int64_t p = 0; p <= std::min(i, j); ++p) s += cl[i * k + p] * cl[j * k + p];
      h.lambda[i * k + j] = s;
    }
  // mu = mu* + cl^-T z / sqrt(beta*), since (beta* Lambda)^-1 = cl^-T cl^-1 / beta*.
  const double beta = beta0 + nd;
  std::vector<double> mu(kk);
  for (int64_t j = 0; j < k; ++j) mu[j] = rng.normal();
  solve_lower_t(cl.data(), mu.data(), k);
  for (int64_t j = 0; j < k; ++j) mu[j] = mu[j] / std::sqrt(beta) + nd * mean[j] / beta;
  h.lambda_mu.assign(kk, 0.0);
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < k; ++j) h.lambda_mu[i] += h.lambda[i * k + j] * mu[j];
  return h;
}

// Draws every row of one side given the other side's rows `fixed` (rows [f, b]):
//   x ~ N(P^-1 (Lambda mu + alpha sum [f, 1] (r - mean - b)), P^-1),
//   P = Lambda + alpha sum [f, 1][f, 1]^T.
void sample_rows(std::vector<double>& rows, int64_t n, const std::vector<double>& fixed,
                 const Grouped& g, const Hyper& h, double alpha, double mean, int64_t k,
                 uint64_t seed, uint64_t chain, uint64_t sweep, Tag tag) {
  const int64_t dim = k - 1;
  // A failed Cholesky (non-finite numbers) is reported after the parallel region: an exception
  // must not leave an OpenMP region.
  std::atomic<bool> not_pd{false};
  kernels::cpu::parallel_for(n, 16, [&](int64_t s, int64_t e) {
    const auto kk = static_cast<size_t>(k);
    std::vector<double> p(kk * kk), rhs(kk), f(kk);
    for (int64_t ent = s; ent < e; ++ent) {
      std::copy(h.lambda.begin(), h.lambda.end(), p.begin());
      std::copy(h.lambda_mu.begin(), h.lambda_mu.end(), rhs.begin());
      for (int64_t r = g.ptr[ent]; r < g.ptr[ent + 1]; ++r) {
        const double* row = fixed.data() + g.other[r] * k;
        for (int64_t d = 0; d < dim; ++d) f[d] = row[d];
        f[dim] = 1.0;
        const double target = alpha * (g.rating[r] - mean - row[dim]);
        for (int64_t i = 0; i < k; ++i) {
          rhs[i] += f[i] * target;
          const double fi = alpha * f[i];
          for (int64_t j = 0; j <= i; ++j) p[i * k + j] += fi * f[j];
        }
      }
      if (!cholesky(p.data(), k)) {
        not_pd.store(true, std::memory_order_relaxed);
        continue;
      }
      // x = L^-T (L^-1 rhs + z): the mean P^-1 rhs plus noise of covariance P^-1.
      solve_lower(p.data(), rhs.data(), k);
      Rng rng = stream(seed, chain, sweep, tag, static_cast<uint64_t>(ent));
      for (int64_t i = 0; i < k; ++i) rhs[i] += rng.normal();
      solve_lower_t(p.data(), rhs.data(), k);
      std::copy(rhs.begin(), rhs.end(), rows.begin() + ent * k);
    }
  });
  TG_CHECK(!not_pd.load(), "bpmf: a row's posterior precision is not positive definite "
           "(non-finite factors or settings?)");
}

// mean + p_u . q_i + b_u + b_i for chain rows [p, b].
double rate(const std::vector<double>& u, const std::vector<double>& it, int64_t user, int64_t item,
            int64_t k, double mean) {
  const double* pu = u.data() + user * k;
  const double* qi = it.data() + item * k;
  double s = mean + pu[k - 1] + qi[k - 1];
  for (int64_t d = 0; d < k - 1; ++d) s += pu[d] * qi[d];
  return s;
}

std::string exact(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

}  // namespace

Bpmf::Bpmf(int64_t num_users, int64_t num_items)
    : Recommender("BPMF"), num_users_(num_users), num_items_(num_items) {}

std::string Bpmf::extra_repr() const {
  std::ostringstream os;
  os << "users=" << num_users_ << ", items=" << num_items_ << ", dim=" << dim_
     << ", samples=" << kept_ << ", burn_in=" << opt_.burn_in << ", alpha=" << exact(opt_.alpha)
     << (opt_.sample_alpha ? " (sampled)" : "");
  return os.str();
}

void Bpmf::describe_options(ModelOptions& o) {
  o.add("burn_in", opt_.burn_in, 0, int64_t{1} << 20);
  o.add("alpha", opt_.alpha, 1e-6, 1e6);
  o.add("sample_alpha", opt_.sample_alpha);
  o.add("alpha_a0", opt_.alpha_a0, 1e-6, 1e9);
  o.add("alpha_b0", opt_.alpha_b0, 1e-6, 1e9);
  o.add("beta0", opt_.beta0, 1e-9, 1e9);
  o.add("w0", opt_.w0, 1e-9, 1e9);
  o.add("init_std", opt_.init_std, 0.0, 10.0);
}

void Bpmf::prepare(const Dataset& ds, const TrainConfig& cfg, float mean) {
  NoGradGuard no_grad;
  TG_CHECK(cfg.task == "rating", "bpmf: only the rating task is supported (got task '", cfg.task,
           "'; the binary task is wide_deep's)");
  TG_CHECK(cfg.behaviour.empty() || cfg.behaviour == "none",
           "bpmf: behaviour vectors are a wide_deep option");
  TG_CHECK(cfg.device.is_cpu(), "bpmf: runs on the CPU only; drop --device ", cfg.device.str());
  TG_CHECK(cfg.checkpoint.empty() && !cfg.resume,
           "bpmf: checkpoints are for gradient-trained "
           "models (a BPMF fit takes seconds; rerun it instead)");
  TG_CHECK(cfg.dim == -1 || cfg.dim > 0, "bpmf: dim must be positive (or -1 for the default ",
           kDefaultDim, "), got ", cfg.dim);
  TG_CHECK(cfg.dim <= 1024, "bpmf: dim must be at most 1024, got ", cfg.dim);
  TG_CHECK(cfg.epochs == -1 || (cfg.epochs > 0 && cfg.epochs <= 100000),
           "bpmf: epochs (the kept "
           "samples) must be in [1, 100000] (or -1 for the default ",
           kDefaultSamples, "), got ", cfg.epochs);
  TG_CHECK(cfg.refit >= -1 && cfg.refit <= 1, "bpmf: refit must be -1, 0 or 1, got ", cfg.refit);
  TG_CHECK(num_users_ >= 0 && num_items_ >= 0, "bpmf: negative user/item counts");
  cfg_ = cfg;
  if (cfg_.dim == -1) cfg_.dim = kDefaultDim;
  if (cfg_.epochs == -1) cfg_.epochs = kDefaultSamples;
  if (cfg_.refit == -1) cfg_.refit = 1;
  cfg_.optimizer = "gibbs";
  dim_ = cfg_.dim;
  kept_ = cfg_.epochs;
  mean_ = mean;
  min_rating_ = ds.min_rating;
  max_rating_ = ds.max_rating;
  user_samples_ = register_buffer("user_samples", zeros({num_users_, kept_, dim_ + 2}));
  item_samples_ = register_buffer("item_samples", zeros({num_items_, kept_, dim_ + 2}));
  register_buffer("global_mean", full({}, mean_));
  heldout_valid_.clear();
}

void Bpmf::run_chain(const Interactions& train, uint64_t chain, const Interactions* valid,
                     FitReport* rep, std::vector<float>* valid_pred, const ProgressFn& progress) {
  const int64_t k = dim_ + 1, sweeps = opt_.burn_in + kept_;
  const uint64_t seed = cfg_.seed;
  const double mean = mean_;
  Grouped by_user = group_by(train, true, num_users_), by_item = group_by(train, false, num_items_);
  std::vector<double> u(static_cast<size_t>(num_users_ * k), 0.0),
      it(static_cast<size_t>(num_items_ * k), 0.0);
  {
    Rng rng = stream(seed, chain, 0, kInit, 0);
    for (int64_t r = 0; r < num_users_; ++r)
      for (int64_t d = 0; d < dim_; ++d) u[r * k + d] = opt_.init_std * rng.normal();
    for (int64_t r = 0; r < num_items_; ++r)
      for (int64_t d = 0; d < dim_; ++d) it[r * k + d] = opt_.init_std * rng.normal();
  }
  double alpha = opt_.alpha;
  const size_t nv = valid ? valid->size() : 0;
  std::vector<double> valid_sum(nv, 0.0);
  float* us = user_samples_.data<float>();
  float* is = item_samples_.data<float>();
  const int64_t w = dim_ + 2, stride = kept_ * w;
  for (int64_t s = 0; s < sweeps; ++s) {
    const auto sweep = static_cast<uint64_t>(s);
    Rng hu = stream(seed, chain, sweep, kUserHyper, 0);
    Hyper h_user = sample_hyper(u, num_users_, k, opt_.beta0, opt_.w0, hu);
    sample_rows(u, num_users_, it, by_user, h_user, alpha, mean, k, seed, chain, sweep, kUserRows);
    Rng hi = stream(seed, chain, sweep, kItemHyper, 0);
    Hyper h_item = sample_hyper(it, num_items_, k, opt_.beta0, opt_.w0, hi);
    sample_rows(it, num_items_, u, by_item, h_item, alpha, mean, k, seed, chain, sweep, kItemRows);
    if (opt_.sample_alpha) {
      double sse = 0;
      for (size_t r = 0; r < train.size(); ++r) {
        const double e = train.rating[r] - rate(u, it, train.user[r], train.item[r], k, mean);
        sse += e * e;
      }
      Rng ra = stream(seed, chain, sweep, kAlpha, 0);
      const double shape = opt_.alpha_a0 + 0.5 * static_cast<double>(train.size());
      alpha = ra.gamma(shape) / (opt_.alpha_b0 + 0.5 * sse);
    }
    const int64_t kept_index = s - opt_.burn_in;
    if (kept_index >= 0) {
      // Stored rows: user [p, b_u, 1], item [q, 1, b_i], so <user, item> = p.q + b_u + b_i.
      for (int64_t r = 0; r < num_users_; ++r) {
        float* dst = us + r * stride + kept_index * w;
        for (int64_t d = 0; d < k; ++d) dst[d] = static_cast<float>(u[r * k + d]);
        dst[k] = 1.0f;
      }
      for (int64_t r = 0; r < num_items_; ++r) {
        float* dst = is + r * stride + kept_index * w;
        for (int64_t d = 0; d < dim_; ++d) dst[d] = static_cast<float>(it[r * k + d]);
        dst[dim_] = 1.0f;
        dst[k] = static_cast<float>(it[r * k + dim_]);
      }
    }
    if (!valid) continue;
    // Validation RMSE: of this sample during burn-in, of the running sample average after.
    double se = 0;
    for (size_t r = 0; r < nv; ++r) {
      const double one = rate(u, it, valid->user[r], valid->item[r], k, mean);
      if (kept_index >= 0) valid_sum[r] += one;
      const double avg = kept_index >= 0 ? valid_sum[r] / static_cast<double>(kept_index + 1) : one;
      const double e = valid->rating[r] - std::clamp(avg, double{min_rating_}, double{max_rating_});
      se += e * e;
    }
    const double v = nv ? std::sqrt(se / static_cast<double>(nv)) : 0.0;
    rep->valid_curve.push_back(v);
    ++rep->epochs_run;
    if (progress) progress(s + 1, sweeps, 1, 1, v);
  }
  if (valid_pred) {
    valid_pred->resize(nv);
    for (size_t r = 0; r < nv; ++r)
      (*valid_pred)[r] = static_cast<float>(std::clamp(valid_sum[r] / static_cast<double>(kept_),
                                                       double{min_rating_}, double{max_rating_}));
  }
}

FitReport Bpmf::fit(const Dataset& ds, const Split& split, const TrainConfig& cfg,
                    const ProgressFn& progress) {
  NoGradGuard no_grad;
  auto start = std::chrono::steady_clock::now();
  prepare(ds, cfg, mean_rating(split.train));
  for (const Interactions* part : {&split.train, &split.valid})
    for (size_t r = 0; r < part->size(); ++r)
      TG_CHECK(part->user[r] >= 0 && part->user[r] < num_users_ && part->item[r] >= 0 &&
                   part->item[r] < num_items_,
               "bpmf: rating ", r, " has user ", part->user[r], " / item ", part->item[r],
               ", outside the model's ", num_users_, " users / ", num_items_, " items");
  FitReport rep;
  std::vector<float> valid_pred;
  run_chain(split.train, 0, &split.valid, &rep, &valid_pred, progress);
  rep.best_epoch = rep.epochs_run;
  rep.best_valid_rmse = rep.valid_curve.empty() ? 0.0 : rep.valid_curve.back();
  if (cfg_.refit) {
    // Nothing was chosen on the validation part during the chain (no early stopping), so the
    // final chain may use it; the mean rating stays that of split.train (as for the others).
    Interactions all = split.train;
    for (size_t r = 0; r < split.valid.size(); ++r)
      all.push_back(split.valid.user[r], split.valid.item[r], split.valid.rating[r],
                    split.valid.timestamp[r]);
    run_chain(all, 1, nullptr, nullptr, nullptr, nullptr);
    heldout_valid_ = std::move(valid_pred);
  }
  rep.train_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return rep;
}

Tensor Bpmf::predict(const Tensor& users, const Tensor& items) {
  NoGradGuard no_grad;
  TG_CHECK(user_samples_.defined(), "bpmf: predict() needs fit() or a loaded model");
  TG_CHECK(users.dim() == 1 && items.dim() == 1 && users.numel() == items.numel(),
           "bpmf: predict takes two int64 [B] tensors of the same length");
  Tensor uc = users.to(kInt64).contiguous(), ic = items.to(kInt64).contiguous();
  const int64_t n = uc.numel(), len = kept_ * (dim_ + 2);
  Tensor out = empty({n}, kFloat32);
  const int64_t* up = uc.data<int64_t>();
  const int64_t* ip = ic.data<int64_t>();
  const float* us = user_samples_.data<float>();
  const float* is = item_samples_.data<float>();
  float* op = out.data<float>();
  const double inv = 1.0 / static_cast<double>(kept_);
  const int64_t w = dim_ + 2;
  kernels::cpu::parallel_for(n, 64, [&](int64_t s, int64_t e) {
    for (int64_t r = s; r < e; ++r) {
      const bool ku = up[r] >= 0 && up[r] < num_users_, ki = ip[r] >= 0 && ip[r] < num_items_;
      double acc = 0;
      if (ku && ki) {
        const float* a = us + up[r] * len;
        const float* b = is + ip[r] * len;
        for (int64_t j = 0; j < len; ++j) acc += static_cast<double>(a[j]) * b[j];
      } else if (ku) {  // the user's average bias (column D of each sample)
        for (int64_t t = 0; t < kept_; ++t) acc += us[up[r] * len + t * w + dim_];
      } else if (ki) {  // the item's average bias (column D + 1)
        for (int64_t t = 0; t < kept_; ++t) acc += is[ip[r] * len + t * w + dim_ + 1];
      }
      const double pred = mean_ + acc * inv;
      op[r] = static_cast<float>(std::clamp(pred, double{min_rating_}, double{max_rating_}));
    }
  });
  return out;
}

Tensor Bpmf::item_vectors() {
  NoGradGuard no_grad;
  if (!item_samples_.defined()) return Tensor();
  return item_samples_.narrow(2, 0, dim_).contiguous().reshape({num_items_, kept_ * dim_});
}

}  // namespace tg::recsys
