// nn/functional_loss.cpp — loss functions composed from differentiable ops, PyTorch semantics
// (formulas in nn/functional.h).
#include "functional.h"

namespace tg::nn::functional {
namespace {

void check_same_shape(const Tensor& input, const Tensor& target, const char* op) {
  TG_CHECK(input.defined() && target.defined(), op, ": input and target must be defined");
  TG_CHECK(input.sizes() == target.sizes(), op, ": input shape ", input.sizes(),
           " and target shape ", target.sizes(), " differ");
}

// Class-index checks shared by nll_loss and cross_entropy: input [N, C], target [N] int64.
void check_class_target(const Tensor& input, const Tensor& target, const Tensor& weight,
                        const char* op) {
  TG_CHECK(input.defined() && input.dim() == 2, op, ": input must be [N, C], got ",
           input.defined() ? input.sizes() : DimVec{});
  TG_CHECK(target.defined() && target.dtype() == kInt64 && target.dim() == 1 &&
               target.size(0) == input.size(0),
           op, ": target must be int64 class indices [", input.size(0), "], got ",
           target.defined() ? target.sizes() : DimVec{});
  TG_CHECK(!weight.defined() || (weight.dim() == 1 && weight.size(0) == input.size(1)), op,
           ": weight must be [", input.size(1), "], got ", weight.sizes());
}

}  // namespace

Tensor reduce(const Tensor& loss, Reduction reduction) {
  switch (reduction) {
    case Reduction::None: return loss;
    case Reduction::Sum: return sum(loss);
    case Reduction::Mean: break;
  }
  return mean(loss);
}

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_same_shape(input, target, "mse_loss");
  Tensor d = sub(input, target);
  return reduce(mul(d, d), reduction);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_same_shape(input, target, "l1_loss");
  return reduce(abs(sub(input, target)), reduction);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta) {
  check_same_shape(input, target, "huber_loss");
  TG_CHECK(delta > 0, "huber_loss: delta must be positive, got ", delta);
  Tensor d = sub(input, target);
  Tensor ad = abs(d);
  Tensor quadratic = mul(mul(d, d), 0.5);
  Tensor linear = mul(sub(ad, 0.5 * delta), delta);
  return reduce(where(lt(ad, delta), quadratic, linear), reduction);
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                            Reduction reduction) {
  check_same_shape(input, target, "binary_cross_entropy");
  // Clamping the logs at -100 keeps p = 0 or 1 finite (PyTorch does the same).
  Tensor log_p = clamp(log(input), -100.0, std::nullopt);
  Tensor log_1mp = clamp(log((Scalar(1.0) - input)), -100.0, std::nullopt);
  Tensor loss = neg(add(mul(target, log_p), mul((Scalar(1.0) - target), log_1mp)));
  if (weight.defined()) loss = mul(loss, weight);
  return reduce(loss, reduction);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight, Reduction reduction,
                                        const Tensor& pos_weight) {
  check_same_shape(input, target, "binary_cross_entropy_with_logits");
  // softplus(-x) = -log sigmoid(x) switches to its linear form for large |x|, so neither
  // exp(x) nor log(0) ever appears (no max/abs either: their kinks at x = 0 would bend the
  // gradient there).
  Tensor neg_log_sig = softplus(neg(input));
  Tensor coeff = pos_weight.defined() ? add(mul(sub(pos_weight, 1.0), target), 1.0) : Tensor();
  Tensor loss = add(mul((Scalar(1.0) - target), input),
                    coeff.defined() ? mul(coeff, neg_log_sig) : neg_log_sig);
  if (weight.defined()) loss = mul(loss, weight);
  return reduce(loss, reduction);
}

Tensor nll_loss(const Tensor& log_probs, const Tensor& target, const Tensor& weight,
                int64_t ignore_index, Reduction reduction) {
  check_class_target(log_probs, target, weight, "nll_loss");
  Tensor keep = ne(target, Scalar(ignore_index));
  Tensor safe_target =
      where(keep, target, Scalar(int64_t{0}));  // ignored rows pick class 0, weight 0
  Tensor picked = gather(log_probs, 1, safe_target.unsqueeze(1)).squeeze(1);
  Tensor w = keep.to(log_probs.dtype());
  if (weight.defined()) w = mul(w, index_select(weight, 0, safe_target));
  Tensor loss = neg(mul(picked, w));
  // Mean is a weighted mean: divided by the weights of the counted targets, not by N.
  if (reduction == Reduction::Mean) return div(sum(loss), sum(w));
  return reduce(loss, reduction);
}

Tensor cross_entropy(const Tensor& logits, const Tensor& target, const Tensor& weight,
                     int64_t ignore_index, Reduction reduction, double label_smoothing) {
  const char* op = "cross_entropy";
  TG_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, op,
           ": label_smoothing must be in [0, 1], got ", label_smoothing);
  Tensor log_probs = log_softmax(logits, 1);
  if (target.defined() && target.is_floating_point()) {
    // Class probabilities [N, C]: -sum_c weight[c] * y[i, c] * log_probs[i, c], mean over N.
    check_same_shape(logits, target, op);
    int64_t c = logits.size(1);
    Tensor y =
        label_smoothing > 0 ? add(mul(target, 1.0 - label_smoothing), label_smoothing / c) : target;
    Tensor per = mul(y, log_probs);
    if (weight.defined()) per = mul(per, weight);
    return reduce(neg(sum(per, {1})), reduction);
  }
  check_class_target(logits, target, weight, op);
  Tensor nll = nll_loss(log_probs, target, weight, ignore_index, reduction);
  if (label_smoothing == 0.0) return nll;
  int64_t c = logits.size(1);
  Tensor keep = ne(target, Scalar(ignore_index)).to(logits.dtype());
  Tensor smooth = neg(sum(weight.defined() ? mul(log_probs, weight) : log_probs, {1}));
  smooth = mul(smooth, keep);
  Tensor reduced;
  if (reduction == Reduction::Mean) {
    // Normalised like nll_loss's weighted mean (PyTorch's cross_entropy_loss_label_smoothing).
    Tensor denom = keep;
    if (weight.defined())
      denom = mul(
          keep, index_select(weight, 0,
                             where(ne(target, Scalar(ignore_index)), target, Scalar(int64_t{0}))));
    reduced = div(sum(smooth), sum(denom));
  } else {
    reduced = reduce(smooth, reduction);
  }
  return add(mul(nll, 1.0 - label_smoothing), mul(reduced, label_smoothing / c));
}

Tensor bpr_loss(const Tensor& pos_scores, const Tensor& neg_scores, Reduction reduction) {
  check_same_shape(pos_scores, neg_scores, "bpr_loss");
  return reduce(softplus(sub(neg_scores, pos_scores)), reduction);
}

}  // namespace tg::nn::functional
