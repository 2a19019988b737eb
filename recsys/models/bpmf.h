// recsys/models/bpmf.h — Bayesian probabilistic matrix factorisation (Salakhutdinov & Mnih 2008)
// of the biased MF model, fitted by Gibbs sampling.
//
//   r(u, i) ~ N(mu + b_u + b_i + p_u . q_i, 1 / alpha)
//
// The biases are folded into the factor rows as in ALS: user row x_u = [p_u, b_u], item row
// y_i = [q_i, b_i] (K = D + 1 columns each), and each side's rows are drawn from N(mu_side,
// Lambda_side^-1) under a Normal-Wishart hyperprior (mu0 = 0, beta0, W0 = w0 * I, nu0 = K), so the
// bias variances and their covariance with the factors are learnt like the factors'. One Gibbs
// sweep draws the user hyperparameters, every user row (a K-dimensional Gaussian: a Cholesky of
// Lambda_U + alpha * sum [q_i, 1][q_i, 1]^T per user), then the same on the item side, then alpha
// (Gamma(a0 + n/2, b0 + SSE/2)) when sample_alpha is on. Wishart draws use the Bartlett
// decomposition. Random numbers come from counter-based streams keyed by (seed, chain, sweep,
// side, row), so a fit does not depend on the thread count.
//
// The prediction is the average over the kept (post-burn-in) samples of each sample's rating,
// then clamped to the rating range. Averaging factors would be wrong (the posterior is invariant
// to rotations of the factor space, so the chain drifts between equivalent solutions), so every
// kept sample is stored: user_samples [U, S, D + 2] rows [p_u, b_u, 1] and item_samples
// [I, S, D + 2] rows [q_i, 1, b_i], so that mean + (1/S) * <user row, item row> over the S * (D+2)
// contiguous numbers is the sample-averaged prediction (a few MB to tens of MB on ML-100K).
#pragma once

#include "recommender.h"

namespace tg::recsys {

class Bpmf : public Recommender {
 public:
  // Settings beyond TrainConfig (chosen on the validation part of ML-100K u1.base; see
  // docs/bpmf-notes.md). TrainConfig::epochs is the number of kept samples S (a chain runs
  // burn_in + S Gibbs sweeps), dim the factor size D, refit whether to sample a second chain on
  // train + validation for the final model.
  struct Options {
    int64_t burn_in = 40;       // sweeps discarded before samples are kept
    double alpha = 1.5;         // rating noise precision (the starting value when sampled)
    bool sample_alpha = false;  // draw alpha from its Gamma(a0, b0) posterior each sweep
    double alpha_a0 = 1.0;      // Gamma prior of alpha: shape a0
    double alpha_b0 = 1.0;      // and rate b0
    double beta0 = 2.0;         // Normal-Wishart: strength of the prior mean mu0 = 0
    double w0 = 1.0;            // Normal-Wishart: scale matrix W0 = w0 * I (nu0 = D + 1)
    double init_std = 0.1;      // factors start as N(0, init_std^2); biases at 0
  };

  Bpmf(int64_t num_users, int64_t num_items);
  Options& options() { return opt_; }
  void prepare(const Dataset& ds, const TrainConfig& cfg, float mean) override;
  TrainConfig resolved_config() const override { return cfg_; }
  // Samples a chain on split.train; the validation RMSE of the running sample average is
  // reported after every sweep (FitReport::valid_curve). With refit, a second chain on train +
  // validation gives the final samples (the first chain's validation predictions stay available
  // as heldout_valid_predictions for the blend).
  FitReport fit(const Dataset& ds, const Split& split, const TrainConfig& cfg,
                const ProgressFn& progress) override;
  // mean + (1/S) sum_s (p_u^s . q_i^s + b_u^s + b_i^s), clamped; an unknown id uses a zero row
  // (the prediction falls back to the mean plus the known side's average bias).
  Tensor predict(const Tensor& users, const Tensor& items) override;
  // The kept samples of each item's factors side by side ([I, S * D]): their cosine is that of
  // the sample-summed inner products, which (unlike the mean factor) rotations do not blur.
  Tensor item_vectors() override;
  const std::vector<float>& heldout_valid_predictions() const override { return heldout_valid_; }
  std::string extra_repr() const override;

  static constexpr int64_t kDefaultDim = 10;
  static constexpr int64_t kDefaultSamples = 200;  // kept after the burn-in

 protected:
  void describe_options(ModelOptions& o) override;

 private:
  // Runs one chain on `train` and stores its kept samples; when `valid` is given, fills `rep`
  // with the validation RMSE after each sweep and `valid_pred` with the final averaged,
  // clamped validation predictions.
  void run_chain(const Interactions& train, uint64_t chain, const Interactions* valid,
                 FitReport* rep, std::vector<float>* valid_pred, const ProgressFn& progress);

  TrainConfig cfg_;
  Options opt_;
  int64_t num_users_, num_items_, dim_ = kDefaultDim, kept_ = 0;
  float mean_ = 0, min_rating_ = 1, max_rating_ = 5;
  Tensor user_samples_, item_samples_;  // [U, S, D + 2], [I, S, D + 2] (see above)
  std::vector<float> heldout_valid_;
};

}  // namespace tg::recsys
