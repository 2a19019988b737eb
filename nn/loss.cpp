// nn/loss.cpp — loss modules.
#include "loss.h"

namespace tg::nn {
namespace {
const char* reduction_name(Reduction r) {
  switch (r) {
    case Reduction::None: return "none";
    case Reduction::Sum: return "sum";
    case Reduction::Mean: break;
  }
  return "mean";
}
}  // namespace

std::string Loss::extra_repr() const {
  return std::string("reduction=") + reduction_name(reduction);
}

Tensor MSELoss::forward(const Tensor& input, const Tensor& target) {
  return functional::mse_loss(input, target, reduction);
}

Tensor L1Loss::forward(const Tensor& input, const Tensor& target) {
  return functional::l1_loss(input, target, reduction);
}

Tensor HuberLoss::forward(const Tensor& input, const Tensor& target) {
  return functional::huber_loss(input, target, reduction, delta);
}

// Class weights are buffers, as in PyTorch: saved in the state_dict and moved by to().
BCELoss::BCELoss(Tensor w, Reduction r) : Loss("BCELoss", r) {
  if (w.defined()) weight = register_buffer("weight", w);
}

Tensor BCELoss::forward(const Tensor& input, const Tensor& target) {
  return functional::binary_cross_entropy(input, target, weight, reduction);
}

BCEWithLogitsLoss::BCEWithLogitsLoss(Tensor w, Reduction r, Tensor pw)
    : Loss("BCEWithLogitsLoss", r) {
  if (w.defined()) weight = register_buffer("weight", w);
  if (pw.defined()) pos_weight = register_buffer("pos_weight", pw);
}

Tensor BCEWithLogitsLoss::forward(const Tensor& input, const Tensor& target) {
  return functional::binary_cross_entropy_with_logits(input, target, weight, reduction, pos_weight);
}

NLLLoss::NLLLoss(Tensor w, int64_t ignore, Reduction r) : Loss("NLLLoss", r), ignore_index(ignore) {
  if (w.defined()) weight = register_buffer("weight", w);
}

Tensor NLLLoss::forward(const Tensor& log_probs, const Tensor& target) {
  return functional::nll_loss(log_probs, target, weight, ignore_index, reduction);
}

CrossEntropyLoss::CrossEntropyLoss(Tensor w, int64_t ignore, Reduction r, double smoothing)
    : Loss("CrossEntropyLoss", r), ignore_index(ignore), label_smoothing(smoothing) {
  if (w.defined()) weight = register_buffer("weight", w);
}

Tensor CrossEntropyLoss::forward(const Tensor& logits, const Tensor& target) {
  return functional::cross_entropy(logits, target, weight, ignore_index, reduction,
                                   label_smoothing);
}

Tensor BPRLoss::forward(const Tensor& pos_scores, const Tensor& neg_scores) {
  return functional::bpr_loss(pos_scores, neg_scores, reduction);
}

}  // namespace tg::nn
