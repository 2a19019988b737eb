// recsys/models/als.cpp — ALS-WR with biases. See als.h.
#include "als.h"

#include <chrono>
#include <cmath>
#include <sstream>

#include "../../autograd/grad_mode.h"
#include "../../kernels/cpu/parallel.h"
#include "../../tensor/generator.h"
#include "../../tensor/ops.h"
#include "grouped.h"

namespace tg::recsys {

Als::Als(int64_t num_users, int64_t num_items)
    : Recommender("ALS"), num_users_(num_users), num_items_(num_items) {}

std::string Als::extra_repr() const {
  std::ostringstream os;
  os << "users=" << num_users_ << ", items=" << num_items_ << ", dim=" << dim_;
  return os.str();
}

void Als::solve_side(const Interactions& data, bool users_side, double lambda) {
  const int64_t n = users_side ? num_users_ : num_items_;
  const int64_t k = dim_ + 1;
  Grouped g = group_by(data, users_side, n);
  Tensor fixed = (users_side ? item_factors_ : user_factors_).to(kFloat64).contiguous();
  const double* fp = fixed.data<double>();
  Tensor a = empty({n, k, k}, kFloat64), b = empty({n, k}, kFloat64);
  double* ap = a.data<double>();
  double* bp = b.data<double>();
  const double mu = mean_;
  // Normal equations: sum over rated x: f f^T + lambda * n_e * I, rhs sum f * (r - mu - bias_x),
  // where f = [factors of x, 1] and bias_x is x's bias (the last column of its row).
  kernels::cpu::parallel_for(n, 16, [&](int64_t s, int64_t e) {
    std::vector<double> f(static_cast<size_t>(k));
    for (int64_t ent = s; ent < e; ++ent) {
      double* A = ap + ent * k * k;
      double* B = bp + ent * k;
      std::fill(A, A + k * k, 0.0);
      std::fill(B, B + k, 0.0);
      for (int64_t r = g.ptr[ent]; r < g.ptr[ent + 1]; ++r) {
        const double* row = fp + g.other[r] * k;
        for (int64_t d = 0; d < dim_; ++d) f[d] = row[d];
        f[dim_] = 1.0;
        const double target = g.rating[r] - mu - row[dim_];
        for (int64_t i = 0; i < k; ++i) {
          B[i] += f[i] * target;
          for (int64_t j = 0; j <= i; ++j) A[i * k + j] += f[i] * f[j];
        }
      }
      const double reg = lambda * static_cast<double>(std::max<int64_t>(g.ptr[ent + 1] - g.ptr[ent], 1));
      for (int64_t i = 0; i < k; ++i) {
        A[i * k + i] += reg;
        for (int64_t j = 0; j < i; ++j) A[j * k + i] = A[i * k + j];
      }
    }
  });
  Tensor sol = cholesky_solve_spd(a, b).to(kFloat32);
  // Solved rows are [factors, own bias]; the constant column of the fixed side stays 1 in f.
  (users_side ? user_factors_ : item_factors_).copy_(sol);
}

void Als::prepare(const Dataset& ds, const TrainConfig& cfg, float mean) {
  NoGradGuard no_grad;
  TG_CHECK(cfg.task == "rating", "als: only the rating task is supported (got task '", cfg.task,
           "'; the binary task is wide_deep's)");
  TG_CHECK(cfg.behaviour.empty() || cfg.behaviour == "none", "als: behaviour vectors are a wide_deep option");
  TG_CHECK(cfg.device.is_cpu(), "als: runs on the CPU only (its ridge solves use Eigen); drop --device ",
           cfg.device.str());
  TG_CHECK(cfg.checkpoint.empty() && !cfg.resume, "als: checkpoints are for gradient-trained "
           "models (an ALS fit takes seconds; rerun it instead)");
  cfg_ = cfg;
  if (cfg_.dim <= 0) cfg_.dim = kDefaultDim;
  if (cfg_.weight_decay < 0) cfg_.weight_decay = kDefaultLambda;
  if (cfg_.epochs <= 0) cfg_.epochs = kDefaultSweeps;
  if (cfg_.patience <= 0) cfg_.patience = 3;
  cfg_.optimizer = "als";
  dim_ = cfg_.dim;
  mean_ = mean;
  min_rating_ = ds.min_rating;
  max_rating_ = ds.max_rating;
  Generator gen(cfg_.seed);
  user_factors_ = register_buffer("user_factors", zeros({num_users_, dim_ + 1}));
  item_factors_ = register_buffer("item_factors", mul(randn({num_items_, dim_ + 1}, &gen), 0.1));
  item_factors_.select(1, dim_).zero_();  // biases start at 0
  register_buffer("global_mean", full({}, mean_));
}

void Als::sweep(const Interactions& train) {
  NoGradGuard no_grad;
  TG_CHECK(user_factors_.defined(), "als: sweep() needs prepare() first");
  for (size_t r = 0; r < train.size(); ++r)
    TG_CHECK(train.user[r] >= 0 && train.user[r] < num_users_ && train.item[r] >= 0 &&
                 train.item[r] < num_items_,
             "als: training rating ", r, " has user ", train.user[r], " / item ", train.item[r],
             ", outside the model's ", num_users_, " users / ", num_items_, " items");
  solve_side(train, /*users_side=*/true, cfg_.weight_decay);
  solve_side(train, /*users_side=*/false, cfg_.weight_decay);
}

FitReport Als::fit(const Dataset& ds, const Split& split, const TrainConfig& cfg,
                   const ProgressFn& progress) {
  NoGradGuard no_grad;
  auto start = std::chrono::steady_clock::now();
  prepare(ds, cfg, mean_rating(split.train));
  const int64_t sweeps = cfg_.epochs;
  FitReport rep;
  Tensor best_u, best_i;
  rep.best_valid_rmse = INFINITY;
  int stale = 0;
  for (int64_t s = 0; s < sweeps; ++s) {
    sweep(split.train);
    double v = evaluate_ratings(*this, split.valid).rmse;
    rep.valid_curve.push_back(v);
    ++rep.epochs_run;
    if (progress) progress(s + 1, sweeps, 1, 1, v);
    if (v < rep.best_valid_rmse - 1e-5) {
      rep.best_valid_rmse = v;
      rep.best_epoch = s + 1;
      best_u = user_factors_.clone();
      best_i = item_factors_.clone();
      stale = 0;
    } else if (++stale >= cfg_.patience) {
      break;
    }
  }
  if (best_u.defined()) {
    user_factors_.copy_(best_u);
    item_factors_.copy_(best_i);
  }
  rep.train_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return rep;
}

Tensor Als::predict(const Tensor& users, const Tensor& items) {
  NoGradGuard no_grad;
  // Unknown ids (negative or >= the trained counts) use a zero row: the prediction falls back to
  // the mean plus the known side's bias, never an out-of-range index.
  Tensor known_u = logical_and(ge(users, Scalar(0)), lt(users, Scalar(num_users_)));
  Tensor known_i = logical_and(ge(items, Scalar(0)), lt(items, Scalar(num_items_)));
  Tensor u = where(known_u, users, zeros_like(users)), i = where(known_i, items, zeros_like(items));
  Tensor pu = mul(index_select(user_factors_, 0, u), known_u.to(kFloat32).unsqueeze(1));
  Tensor qi = mul(index_select(item_factors_, 0, i), known_i.to(kFloat32).unsqueeze(1));
  Tensor dotp = sum(mul(pu.narrow(1, 0, dim_), qi.narrow(1, 0, dim_)), {1});
  Tensor pred = add(add(add(dotp, pu.select(1, dim_)), qi.select(1, dim_)), Scalar(mean_));
  return clamp(pred, min_rating_, max_rating_);
}

}  // namespace tg::recsys
