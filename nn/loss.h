// nn/loss.h — loss modules: each holds its options and calls the nn/functional.h function.
//
// loss(input, target) -> a scalar for Reduction::Mean / Sum, per-element losses for None.
#pragma once

#include "functional.h"
#include "module.h"

namespace tg::nn {

// A module with (input, target) -> loss.
class Loss : public Module {
 public:
  Loss(std::string type_name, Reduction reduction)
      : Module(std::move(type_name)), reduction(reduction) {}
  virtual Tensor forward(const Tensor& input, const Tensor& target) = 0;
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
  std::string extra_repr() const override;

  Reduction reduction;
};

class MSELoss : public Loss {
 public:
  explicit MSELoss(Reduction r = Reduction::Mean) : Loss("MSELoss", r) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;  // (x - y)^2
};

class L1Loss : public Loss {
 public:
  explicit L1Loss(Reduction r = Reduction::Mean) : Loss("L1Loss", r) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;  // |x - y|
};

class HuberLoss : public Loss {
 public:
  explicit HuberLoss(Reduction r = Reduction::Mean, double delta = 1.0)
      : Loss("HuberLoss", r), delta(delta) {}
  // 0.5 d^2 if |d| < delta else delta (|d| - 0.5 delta)
  Tensor forward(const Tensor& input, const Tensor& target) override;
  double delta;
};

class BCELoss : public Loss {
 public:
  explicit BCELoss(Tensor weight = Tensor(), Reduction r = Reduction::Mean);
  // -w (y log p + (1 - y) log(1 - p))
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor weight;  // buffer "weight" when given
};

class BCEWithLogitsLoss : public Loss {
 public:
  explicit BCEWithLogitsLoss(Tensor weight = Tensor(), Reduction r = Reduction::Mean,
                             Tensor pos_weight = Tensor());
  // -w (pos_weight y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))), stable
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor weight, pos_weight;  // buffers when given
};

class NLLLoss : public Loss {
 public:
  explicit NLLLoss(Tensor weight = Tensor(), int64_t ignore_index = -100,
                   Reduction r = Reduction::Mean);
  // -w[y] log_probs[y]
  Tensor forward(const Tensor& log_probs, const Tensor& target) override;
  Tensor weight;
  int64_t ignore_index;
};

class CrossEntropyLoss : public Loss {
 public:
  explicit CrossEntropyLoss(Tensor weight = Tensor(), int64_t ignore_index = -100,
                            Reduction r = Reduction::Mean, double label_smoothing = 0.0);
  // nll_loss(log_softmax(logits)), with label smoothing
  Tensor forward(const Tensor& logits, const Tensor& target) override;
  Tensor weight;
  int64_t ignore_index;
  double label_smoothing;
};

// Bayesian personalised ranking on (positive scores, negative scores).
class BPRLoss : public Loss {
 public:
  explicit BPRLoss(Reduction r = Reduction::Mean) : Loss("BPRLoss", r) {}
  // -log sigmoid(pos - neg)
  Tensor forward(const Tensor& pos_scores, const Tensor& neg_scores) override;
};

}  // namespace tg::nn
