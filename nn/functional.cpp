// nn/functional.cpp — layer functions composed from differentiable ops (no backward nodes of
// their own: each gradient comes from the ops' formulas in autograd/functions/*.cpp).
#include "functional.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "../autograd/grad_mode.h"
#include "../tensor/sparse.h"

namespace tg::nn::functional {

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  TG_CHECK(x.defined() && weight.defined(), "linear: input and weight must be defined");
  TG_CHECK(weight.dim() == 2, "linear: weight must be 2-D [out, in], got ", weight.sizes());
  TG_CHECK(x.dim() >= 1 && x.size(-1) == weight.size(1), "linear: input of shape ", x.sizes(),
           " does not end in in_features=", weight.size(1));
  TG_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == weight.size(0)),
           "linear: bias must be [", weight.size(0), "], got ", bias.sizes());
  // addmm fuses the bias into the GEMM for the common 2-D case.
  if (x.dim() == 2 && bias.defined()) return addmm(bias, x, weight.t());
  Tensor out = matmul(x, weight.t());
  return bias.defined() ? add(out, bias) : out;
}

namespace {

// PyTorch's embedding_renorm_: rows of weight used by ids whose norm exceeds max_norm are scaled
// to max_norm / (norm + 1e-7), in place and outside the graph. Each row is touched once.
void renorm_rows_(const Tensor& weight, const Tensor& ids, double max_norm, double norm_type) {
  NoGradGuard no_grad;
  std::vector<int64_t> uniq = ids.reshape({-1}).to_vector<int64_t>();
  std::sort(uniq.begin(), uniq.end());
  uniq.erase(std::unique(uniq.begin(), uniq.end()), uniq.end());
  if (uniq.empty()) return;
  Tensor rows_idx = from_vector(uniq).to(weight.device());
  Tensor rows = index_select(weight, 0, rows_idx);
  Tensor norms = norm(rows, norm_type, {1}, /*keepdim=*/true);
  Tensor scale = where(gt(norms, max_norm), Scalar(max_norm) / add(norms, 1e-7), Scalar(1.0));
  Tensor delta = mul(rows, sub(scale, 1.0));
  Tensor dst = weight;
  add_sparse_(dst, sparse_rows(rows_idx, delta.contiguous(), weight.sizes(), /*coalesced=*/true));
}

int64_t wrap_padding_idx(std::optional<int64_t> padding_idx, int64_t num, const char* op) {
  int64_t p = *padding_idx;
  TG_CHECK(p >= -num && p < num, op, ": padding_idx ", p, " is out of range for ", num,
           " embeddings");
  return p < 0 ? p + num : p;
}

}  // namespace

Tensor embedding(const Tensor& weight, const Tensor& ids, std::optional<int64_t> padding_idx,
                 std::optional<double> max_norm, double norm_type, bool sparse) {
  TG_CHECK(weight.defined() && weight.dim() == 2,
           "embedding: weight must be 2-D [num_embeddings, dim]");
  if (max_norm) renorm_rows_(weight, ids, *max_norm, norm_type);
  Tensor out = tg::embedding(weight, ids, sparse);
  if (!padding_idx) return out;
  int64_t pad = wrap_padding_idx(padding_idx, weight.size(0), "embedding");
  // Same values, but positions holding padding_idx route their gradient nowhere.
  Tensor keep = ne(ids, Scalar(pad)).unsqueeze(-1);
  return where(keep, out, out.detach());
}

Tensor embedding_bag(const Tensor& weight, const Tensor& ids, const Tensor& offsets,
                     EmbeddingBagMode mode, const Tensor& per_sample_weights, bool sparse) {
  const char* op = "embedding_bag";
  TG_CHECK(weight.defined() && weight.dim() == 2, op, ": weight must be 2-D [num_embeddings, dim]");
  TG_CHECK(ids.defined() && ids.dtype() == kInt64, op, ": ids must be an int64 tensor");
  int64_t n = ids.numel();
  std::vector<int64_t> bag_of(static_cast<size_t>(n));
  int64_t num_bags = 0;
  if (ids.dim() == 2) {
    TG_CHECK(!offsets.defined(), op, ": offsets must be undefined when ids is 2-D [B, L]");
    num_bags = ids.size(0);
    int64_t len = ids.size(1);
    for (int64_t k = 0; k < n; ++k) bag_of[k] = k / len;
  } else {
    TG_CHECK(ids.dim() == 1, op, ": ids must be 1-D (with offsets) or 2-D, got ", ids.sizes());
    TG_CHECK(offsets.defined() && offsets.dim() == 1 && offsets.dtype() == kInt64, op,
             ": 1-D ids need 1-D int64 offsets");
    std::vector<int64_t> off = offsets.to_vector<int64_t>();
    num_bags = static_cast<int64_t>(off.size());
    TG_CHECK(off.empty() || off[0] == 0, op, ": offsets[0] must be 0, got ",
             off.empty() ? 0 : off[0]);
    for (int64_t b = 0; b < num_bags; ++b) {
      int64_t end = b + 1 < num_bags ? off[b + 1] : n;
      TG_CHECK(off[b] <= end && end <= n, op, ": offsets must be non-decreasing and at most ", n,
               ", got offsets[", b, "] = ", off[b], " followed by ", end);
      for (int64_t k = off[b]; k < end; ++k) bag_of[k] = b;
    }
  }
  Tensor flat = ids.reshape({-1});
  Tensor rows = tg::embedding(weight, flat, sparse);  // [n, D]
  if (per_sample_weights.defined()) {
    TG_CHECK(mode == EmbeddingBagMode::Sum, op, ": per_sample_weights need mode Sum");
    TG_CHECK(per_sample_weights.numel() == n && per_sample_weights.dim() == ids.dim(), op,
             ": per_sample_weights must have the shape of ids ", ids.sizes(), ", got ",
             per_sample_weights.sizes());
    rows = mul(rows, per_sample_weights.reshape({n, 1}));
  }
  Tensor bag_idx = from_vector(bag_of).to(weight.device());
  // Scatter-add each looked-up row into its bag; the gradient of a row is its bag's gradient.
  Tensor out = index_add(zeros({num_bags, weight.size(1)}, weight.dtype(), weight.device()), 0,
                         bag_idx, rows);
  if (mode == EmbeddingBagMode::Sum) return out;
  std::vector<double> inv(static_cast<size_t>(num_bags), 0.0);
  for (int64_t b : bag_of) inv[b] += 1.0;
  for (double& c : inv) c = 1.0 / std::max(c, 1.0);  // an empty bag's mean is 0, as in PyTorch
  return mul(out, from_vector(inv, DimVec{num_bags, 1}).to(weight.dtype()).to(weight.device()));
}

Tensor dropout(const Tensor& x, double p, bool training, Generator* gen) {
  return tg::dropout(x, p, training, gen);
}

Tensor relu(const Tensor& x) { return tg::relu(x); }
Tensor sigmoid(const Tensor& x) { return tg::sigmoid(x); }
Tensor tanh(const Tensor& x) { return tg::tanh(x); }

Tensor gelu(const Tensor& x, const std::string& approximate) {
  if (approximate == "none") return tg::gelu(x);
  TG_CHECK(approximate == "tanh", "gelu: approximate must be \"none\" or \"tanh\", got \"",
           approximate, "\"");
  const double k = std::sqrt(2.0 / std::numbers::pi);
  Tensor inner = mul(add(x, mul(pow(x, 3), 0.044715)), k);
  return mul(mul(x, 0.5), add(tg::tanh(inner), 1.0));
}

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum,
                  double eps) {
  const char* op = "batch_norm";
  TG_CHECK(x.defined() && (x.dim() == 2 || x.dim() == 3), op,
           ": input must be [N, C] or [N, C, L], got ", x.defined() ? x.sizes() : DimVec{});
  int64_t c = x.size(1);
  DimVec dims = x.dim() == 2 ? DimVec{0} : DimVec{0, 2};
  DimVec bshape = x.dim() == 2 ? DimVec{1, c} : DimVec{1, c, 1};
  for (const Tensor* t : {&running_mean, &running_var, &weight, &bias})
    TG_CHECK(!t->defined() || t->numel() == c, op, ": per-channel tensors must have ", c,
             " elements, got shape ", t->sizes());
  Tensor mean, var;
  if (training) {
    int64_t per_channel = x.numel() / std::max<int64_t>(c, 1);
    TG_CHECK(per_channel > 1, op,
             ": expected more than 1 value per channel when training, got input ", x.sizes());
    mean = tg::mean(x, dims, /*keepdim=*/true);
    var = tg::var(x, dims, /*correction=*/0, /*keepdim=*/true);  // biased, for normalising
    if (running_mean.defined() || running_var.defined()) {
      NoGradGuard no_grad;
      // The running variance tracks the unbiased estimate, as in PyTorch.
      double bessel = static_cast<double>(per_channel) / static_cast<double>(per_channel - 1);
      if (running_mean.defined()) {
        Tensor rm = running_mean;
        rm.mul_(1.0 - momentum).add_(mean.detach().reshape({c}).to(rm.dtype()), momentum);
      }
      if (running_var.defined()) {
        Tensor rv = running_var;
        rv.mul_(1.0 - momentum).add_(var.detach().reshape({c}).to(rv.dtype()), momentum * bessel);
      }
    }
  } else {
    TG_CHECK(running_mean.defined() && running_var.defined(), op,
             ": evaluation mode needs running_mean and running_var");
    mean = running_mean.reshape(bshape);
    var = running_var.reshape(bshape);
  }
  Tensor out = mul(sub(x, mean), rsqrt(add(var, eps)));
  if (weight.defined()) out = mul(out, weight.reshape(bshape));
  if (bias.defined()) out = add(out, bias.reshape(bshape));
  return out;
}

Tensor layer_norm(const Tensor& x, const DimVec& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps) {
  const char* op = "layer_norm";
  int k = static_cast<int>(normalized_shape.size());
  TG_CHECK(x.defined() && k >= 1 && x.dim() >= k, op, ": input of shape ",
           x.defined() ? x.sizes() : DimVec{}, " cannot be normalised over ", normalized_shape);
  DimVec dims;
  for (int i = 0; i < k; ++i) {
    int d = x.dim() - k + i;
    TG_CHECK(x.size(d) == normalized_shape[i], op, ": input of shape ", x.sizes(),
             " does not end in normalized_shape ", normalized_shape);
    dims.push_back(d);
  }
  for (const Tensor* t : {&weight, &bias})
    TG_CHECK(!t->defined() || t->sizes() == normalized_shape, op,
             ": weight and bias must have shape ", normalized_shape, ", got ", t->sizes());
  Tensor mean = tg::mean(x, dims, /*keepdim=*/true);
  Tensor var = tg::var(x, dims, /*correction=*/0, /*keepdim=*/true);
  Tensor out = mul(sub(x, mean), rsqrt(add(var, eps)));
  if (weight.defined()) out = mul(out, weight);
  if (bias.defined()) out = add(out, bias);
  return out;
}

}  // namespace tg::nn::functional
