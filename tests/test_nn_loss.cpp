// tests/test_nn_loss.cpp — every loss against hand-computed values for each reduction, the
// numerically delicate cases (BCE at p = 0, BCE-with-logits at |x| = 100, ignore_index), and a
// float64 gradcheck of each loss.
#include <cmath>

#include <doctest/doctest.h>
#include <tapegrad/tapegrad.h>

#include "tensor_test_util.h"

namespace {

namespace F = tg::nn::F;
using tg::Tensor;
using tg::nn::Reduction;
using tgt::check_values;
using tgt::make;

Tensor ids(std::vector<int64_t> v) { return tg::from_vector<int64_t>(v); }

// A float64 leaf of `shape` drawn from `gen` (in (0.1, 0.9) when `unit`).
Tensor leaf(const tg::DimVec& shape, tg::Generator& gen, bool unit = false) {
  Tensor t =
      unit ? tg::rand(shape, &gen, tg::kFloat64) * 0.8 + 0.1 : tg::randn(shape, &gen, tg::kFloat64);
  return t.requires_grad_();
}

}  // namespace

TEST_CASE("nn loss: mse, l1 and huber for each reduction") {
  Tensor x = make({1, 2, 4}, {3});
  Tensor y = make({2, 2, 1}, {3});  // d = [-1, 0, 3]
  check_values(F::mse_loss(x, y, Reduction::None), {1, 0, 9});
  check_values(F::mse_loss(x, y), {10.0 / 3});
  check_values(F::mse_loss(x, y, Reduction::Sum), {10});
  check_values(F::l1_loss(x, y, Reduction::None), {1, 0, 3});
  check_values(F::l1_loss(x, y), {4.0 / 3});
  check_values(F::l1_loss(x, y, Reduction::Sum), {4});
  check_values(F::huber_loss(x, y, Reduction::None), {0.5, 0, 2.5});
  check_values(F::huber_loss(x, y), {1});
  check_values(F::huber_loss(x, y, Reduction::Sum), {3});
  check_values(F::huber_loss(x, y, Reduction::None, 2.0), {0.5, 0, 4});
  CHECK(F::mse_loss(x, y).dim() == 0);
  CHECK_THROWS_WITH_AS(F::mse_loss(x, make({1, 2}, {2})), doctest::Contains("mse_loss"), tg::Error);
  // The modules hold the reduction.
  check_values(tg::nn::MSELoss(Reduction::Sum)(x, y), {10});
  check_values(tg::nn::L1Loss()(x, y), {4.0 / 3});
  check_values(tg::nn::HuberLoss(Reduction::Sum, 2.0)(x, y), {4.5});
}

TEST_CASE("nn loss: binary_cross_entropy with weight and log clamped at -100") {
  Tensor p = make({0.5, 0.8}, {2});
  Tensor y = make({1, 0}, {2});
  check_values(F::binary_cross_entropy(p, y, Tensor(), Reduction::None),
               {0.6931471806, 1.6094379124});
  check_values(F::binary_cross_entropy(p, y), {1.1512925465});
  check_values(F::binary_cross_entropy(p, y, Tensor(), Reduction::Sum), {2.302585093});
  check_values(F::binary_cross_entropy(p, y, make({2, 1}, {2}), Reduction::None),
               {1.3862943611, 1.6094379124});
  // log(0) = -inf is clamped: a confident wrong answer costs 100, not inf.
  check_values(
      F::binary_cross_entropy(make({0, 1}, {2}), make({1, 0}, {2}), Tensor(), Reduction::None),
      {100, 100});
  check_values(
      F::binary_cross_entropy(make({0, 1}, {2}), make({0, 1}, {2}), Tensor(), Reduction::None),
      {0, 0});
  check_values(tg::nn::BCELoss(make({2, 1}, {2}), Reduction::Sum)(p, y), {2.9957322735});
}

TEST_CASE("nn loss: binary_cross_entropy_with_logits is stable at |x| = 100") {
  Tensor x = make({0, 2}, {2});
  Tensor y = make({1, 0}, {2});
  check_values(F::binary_cross_entropy_with_logits(x, y, Tensor(), Reduction::None),
               {0.6931471806, 2.1269280110});
  check_values(F::binary_cross_entropy_with_logits(x, y), {1.4100375958});
  check_values(F::binary_cross_entropy_with_logits(x, y, Tensor(), Reduction::Sum), {2.8200751916});
  // pos_weight scales the positive term only.
  check_values(
      F::binary_cross_entropy_with_logits(x, y, Tensor(), Reduction::None, make({3, 3}, {2})),
      {2.0794415417, 2.1269280110});
  for (tg::DType dt : {tg::kFloat32, tg::kFloat64}) {
    Tensor big = make({100, 100, -100, -100}, {4}, dt).requires_grad_();
    Tensor t = make({0, 1, 1, 0}, {4}, dt);
    Tensor loss = F::binary_cross_entropy_with_logits(big, t, Tensor(), Reduction::None);
    check_values(loss, {100, 0, 100, 0}, 1e-6);
    loss.sum().backward();
    check_values(big.grad(), {1, 0, -1, 0}, 1e-6);  // sigmoid(x) - y, no NaN
  }
  tg::nn::BCEWithLogitsLoss with_pos(Tensor(), Reduction::None, make({3, 3}, {2}));
  check_values(with_pos(x, y), {2.0794415417, 2.1269280110});
  CHECK(with_pos.state_dict().count("pos_weight") == 1);
}

TEST_CASE("nn loss: cross_entropy and nll_loss with weights, ignore_index, label smoothing") {
  Tensor logits = make({1, 2, 3, 1, 1, 1}, {2, 3});
  Tensor target = ids({2, 0});
  check_values(F::cross_entropy(logits, target, Tensor(), -100, Reduction::None),
               {0.4076059644, 1.0986122887});
  check_values(F::cross_entropy(logits, target), {0.7531091266});
  check_values(F::cross_entropy(logits, target, Tensor(), -100, Reduction::Sum), {1.5062182531});
  check_values(F::nll_loss(tg::log_softmax(logits, 1), target), {0.7531091266});
  // Class weights: the mean divides by the summed weights of the targets (2 + 1).
  Tensor w = make({1, 1, 2}, {3});
  check_values(F::cross_entropy(logits, target, w), {0.6379414059});
  // ignore_index drops the row from the sum and from the mean's denominator.
  Tensor ignored = ids({2, -100});
  check_values(F::cross_entropy(logits, ignored, Tensor(), -100, Reduction::None),
               {0.4076059644, 0});
  check_values(F::cross_entropy(logits, ignored), {0.4076059644});
  check_values(F::cross_entropy(logits, ids({2, 1}), Tensor(), 1), {0.4076059644});
  check_values(F::cross_entropy(logits, target, Tensor(), -100, Reduction::Mean, 0.1),
               {0.8031091266});
  check_values(F::cross_entropy(logits, target, w, -100, Reduction::Mean, 0.1), {0.6744236321});
  // Probability targets: one-hot rows give the same loss as class indices.
  Tensor onehot = make({0, 0, 1, 1, 0, 0}, {2, 3});
  check_values(F::cross_entropy(logits, onehot), {0.7531091266});
  check_values(tg::nn::CrossEntropyLoss(Tensor(), -100, Reduction::Sum)(logits, target),
               {1.5062182531});
  check_values(tg::nn::NLLLoss()(tg::log_softmax(logits, 1), ignored), {0.4076059644});
  CHECK_THROWS_WITH_AS(F::cross_entropy(logits, ids({3, 0})), doctest::Contains("gather"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(F::cross_entropy(logits, ids({0})), doctest::Contains("cross_entropy"),
                       tg::Error);
}

TEST_CASE("nn loss: bpr_loss is softplus(neg - pos)") {
  Tensor pos = make({2, 0}, {2});
  Tensor neg = make({0, 0}, {2});
  check_values(F::bpr_loss(pos, neg, Reduction::None), {0.1269280110, 0.6931471806});
  check_values(F::bpr_loss(pos, neg), {0.4100375958});
  check_values(tg::nn::BPRLoss(Reduction::Sum)(pos, neg), {0.8200751916});
  // Stable for large margins either way.
  check_values(F::bpr_loss(make({100, -100}, {2}), make({0, 0}, {2}), Reduction::None), {0, 100});
}

TEST_CASE("nn loss: gradcheck of every loss and reduction") {
  using In = std::vector<Tensor>;
  tg::Generator gen(7);
  for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    CAPTURE(static_cast<int>(r));
    // Reduction::None returns a vector: sum it with fixed weights so every element matters.
    Tensor mix = tg::randn({2, 3}, &gen, tg::kFloat64);
    auto scalar = [&](const Tensor& l) { return r == Reduction::None ? (l * mix).sum() : l; };
    Tensor a = leaf({2, 3}, gen), b = leaf({2, 3}, gen);
    Tensor p = leaf({2, 3}, gen, true), y = leaf({2, 3}, gen, true);
    Tensor w = leaf({2, 3}, gen, true), pw = leaf({2, 3}, gen, true);
    CHECK(tg::autograd::gradcheck(
        [&](const In& in) { return scalar(F::mse_loss(in[0], in[1], r)); }, {a, b}));
    CHECK(tg::autograd::gradcheck([&](const In& in) { return scalar(F::l1_loss(in[0], in[1], r)); },
                                  {a, b}));
    CHECK(tg::autograd::gradcheck(
        [&](const In& in) { return scalar(F::huber_loss(in[0], in[1], r, 0.7)); }, {a, b}));
    CHECK(tg::autograd::gradcheck(
        [&](const In& in) { return scalar(F::binary_cross_entropy(in[0], in[1], in[2], r)); },
        {p, y, w}));
    CHECK(tg::autograd::gradcheck(
        [&](const In& in) {
          return scalar(F::binary_cross_entropy_with_logits(in[0], in[1], in[2], r, in[3]));
        },
        {a, y, w, pw}));
    CHECK(tg::autograd::gradcheck(
        [&](const In& in) { return scalar(F::bpr_loss(in[0], in[1], r)); }, {a, b}));

    Tensor logits = leaf({4, 3}, gen);
    Tensor cw = leaf({3}, gen, true);
    Tensor target = ids({2, -100, 0, 1});
    Tensor mix4 = tg::randn({4}, &gen, tg::kFloat64);
    auto scalar4 = [&](const Tensor& l) { return r == Reduction::None ? (l * mix4).sum() : l; };
    CHECK(tg::autograd::gradcheck(
        [&](const In& in) { return scalar4(F::cross_entropy(in[0], target, in[1], -100, r, 0.2)); },
        {logits, cw}));
    CHECK(tg::autograd::gradcheck(
        [&](const In& in) { return scalar4(F::cross_entropy(in[0], target, Tensor(), -100, r)); },
        {logits}));
    CHECK(tg::autograd::gradcheck(
        [&](const In& in) { return scalar4(F::nll_loss(in[0], target, in[1], -100, r)); },
        {logits, cw}));
    Tensor probs = tg::softmax(tg::randn({4, 3}, &gen, tg::kFloat64), 1);
    CHECK(tg::autograd::gradcheck(
        [&](const In& in) { return scalar4(F::cross_entropy(in[0], probs, in[1], -100, r, 0.1)); },
        {logits, cw}));
  }
}
