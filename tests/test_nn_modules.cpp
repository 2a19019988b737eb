// tests/test_nn_modules.cpp — the layer modules and containers: forward values and shapes,
// train/eval behaviour (Dropout, BatchNorm1d), dotted parameter names of nested modules,
// state_dict round trip and strict-load errors, printing, zero_grad and to(kFloat64).
#include <cmath>
#include <sstream>

#include <doctest/doctest.h>
#include <tapegrad/tapegrad.h>

#include "tensor_test_util.h"

namespace {

namespace nn = tg::nn;
using tg::Tensor;
using tgt::check_values;
using tgt::make;

// encoder: Linear(3, 4) -> ReLU -> Dropout; head: Linear(4, 1, no bias).
struct Net : nn::UnaryModule {
  std::shared_ptr<nn::Sequential> encoder;
  std::shared_ptr<nn::Linear> head;
  explicit Net(tg::Generator* gen = nullptr) : UnaryModule("Net") {
    encoder = register_module(
        "encoder",
        std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::UnaryModule>>{
            std::make_shared<nn::Linear>(3, 4, true, gen), std::make_shared<nn::ReLU>(),
            std::make_shared<nn::Dropout>(0.5, gen)}));
    head = register_module("head", std::make_shared<nn::Linear>(4, 1, false, gen));
  }
  Tensor forward(const Tensor& x) override { return head->forward(encoder->forward(x)); }
};

std::vector<std::string> names(const nn::NamedTensors& nts) {
  std::vector<std::string> out;
  for (auto& [n, t] : nts) out.push_back(n);
  return out;
}

}  // namespace

TEST_CASE("nn modules: Linear init bounds, forward and printing") {
  tg::Generator gen(21);
  nn::Linear fc(16, 3, true, &gen);
  CHECK(fc.weight.sizes() == tg::DimVec{3, 16});
  CHECK(fc.bias.sizes() == tg::DimVec{3});
  CHECK(fc.weight.requires_grad());
  // kaiming_uniform_(a = sqrt(5)) and the bias both give U(-1/sqrt(in), 1/sqrt(in)).
  CHECK(tg::amax(tg::abs(fc.weight)).item<double>() <= 0.25);
  CHECK(tg::amax(tg::abs(fc.bias)).item<double>() <= 0.25);
  CHECK(tg::amax(tg::abs(fc.weight)).item<double>() > 0.2);
  Tensor x = tg::randn({5, 16}, &gen);
  CHECK(tg::allclose(fc(x), tg::matmul(x, fc.weight.t()) + fc.bias, 1e-5, 1e-6));
  CHECK(fc(tg::randn({2, 7, 16}, &gen)).sizes() == tg::DimVec{2, 7, 3});
  CHECK(fc.repr() == "Linear(in_features=16, out_features=3, bias=true)");
  nn::Linear no_bias(2, 2, false);
  CHECK_FALSE(no_bias.bias.defined());
  CHECK(no_bias.named_parameters().size() == 1);
  // The same generator seed gives the same weights.
  tg::Generator g1(5), g2(5);
  CHECK(tg::equal(nn::Linear(4, 4, true, &g1).weight, nn::Linear(4, 4, true, &g2).weight));
}

TEST_CASE("nn modules: activations and Sequential chain forward") {
  Tensor x = make({-1, 0, 2}, {1, 3});
  check_values(nn::ReLU()(x), {0, 0, 2});
  check_values(nn::Sigmoid()(x), {0.2689414214, 0.5, 0.8807970780});
  check_values(nn::Tanh()(x), {-0.7615941560, 0, 0.9640275801});
  check_values(nn::GELU()(x), {-0.1586552539, 0, 1.9544997361});
  CHECK(nn::GELU("tanh").repr() == "GELU(approximate='tanh')");
  auto fc = std::make_shared<nn::Linear>(3, 2);
  {
    tg::NoGradGuard no_grad;
    fc->weight.copy_(make({1, 1, 1, -1, -1, -1}, {2, 3}));
    fc->bias.zero_();
  }
  nn::Sequential seq{fc, std::make_shared<nn::ReLU>()};
  CHECK(seq.size() == 2);
  CHECK(seq[1]->type_name() == "ReLU");
  check_values(seq(x), {1, 0});
  seq.push_back(std::make_shared<nn::Sigmoid>());
  check_values(seq(x), {0.7310585786, 0.5});
  CHECK_THROWS_AS(seq[3], tg::Error);
}

TEST_CASE("nn modules: nested named_parameters, printing and num_parameters") {
  tg::Generator gen(2);
  auto net = std::make_shared<Net>(&gen);
  CHECK(names(net->named_parameters()) ==
        std::vector<std::string>{"encoder.0.weight", "encoder.0.bias", "head.weight"});
  CHECK(net->num_parameters() == 3 * 4 + 4 + 4);
  std::ostringstream os;
  os << *net;
  CHECK(os.str() ==
        "Net(\n"
        "  (encoder): Sequential(\n"
        "    (0): Linear(in_features=3, out_features=4, bias=true)\n"
        "    (1): ReLU()\n"
        "    (2): Dropout(p=0.5)\n"
        "  )\n"
        "  (head): Linear(in_features=4, out_features=1, bias=false)\n"
        ")");
  auto mods = net->named_modules();
  REQUIRE(mods.size() == 6);
  CHECK(mods[2].first == "encoder.0");
}

TEST_CASE("nn modules: train and eval switch Dropout and BatchNorm1d") {
  tg::Generator gen(3);
  auto net = std::make_shared<Net>(&gen);
  Tensor x = tg::randn({64, 3}, &gen);
  net->eval();
  CHECK_FALSE(net->encoder->is_training());
  CHECK(tg::equal(net->forward(x), net->forward(x)));  // no dropout in eval
  net->train();
  CHECK((*net->encoder)[2]->is_training());
  CHECK_FALSE(tg::equal(net->forward(x), net->forward(x)));

  nn::BatchNorm1d bn(2);
  CHECK(names(bn.named_buffers()) ==
        std::vector<std::string>{"running_mean", "running_var", "num_batches_tracked"});
  Tensor b = make({1, 2, 3, 6}, {2, 2});
  Tensor y = bn(b);
  check_values(y, {-1, -1, 1, 1}, 1e-4);
  check_values(bn.running_mean, {0.2, 0.4});
  check_values(bn.running_var, {1.1, 1.7});
  CHECK(bn.num_batches_tracked.item<int64_t>() == 1);
  bn.eval();
  check_values(bn(make({1, 2}, {1, 2})), {0.7627666, 1.2271404}, 1e-5);
  CHECK(bn.num_batches_tracked.item<int64_t>() == 1);
  CHECK(bn.repr() ==
        "BatchNorm1d(2, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)");
  // momentum = None: running stats are the plain average of the batches seen.
  nn::BatchNorm1d cumulative(1, 1e-5, std::nullopt);
  cumulative(make({0, 2}, {2, 1}));
  cumulative(make({4, 6}, {2, 1}));
  check_values(cumulative.running_mean, {3});
  // Without running stats, eval mode also normalises by the batch.
  nn::BatchNorm1d untracked(2, 0.0, 0.1, false, false);
  CHECK(untracked.named_parameters().empty());
  untracked.eval();
  check_values(untracked(b), {-1, -1, 1, 1});
}

TEST_CASE("nn modules: LayerNorm forward, gradient flow and printing") {
  nn::LayerNorm ln({3}, 0.0);
  check_values(ln(make({1, 2, 3}, {1, 3})), {-1.2247448714, 0, 1.2247448714});
  CHECK(ln.repr() == "LayerNorm((3,), eps=0, elementwise_affine=true)");
  ln(make({1, 2, 4}, {1, 3})).pow(2.0).sum().backward();
  CHECK(ln.weight.grad().defined());
  CHECK(nn::LayerNorm({2, 3}).repr() == "LayerNorm((2, 3), eps=1e-05, elementwise_affine=true)");
}

TEST_CASE("nn modules: state_dict round trip and strict load errors") {
  tg::Generator g1(1), g2(2);
  auto a = std::make_shared<Net>(&g1);
  auto b = std::make_shared<Net>(&g2);
  CHECK_FALSE(tg::equal(a->head->weight, b->head->weight));
  Tensor head_before = b->head->weight;
  b->load_state_dict(a->state_dict());
  CHECK(tg::equal(a->head->weight, b->head->weight));
  CHECK(b->head->weight.is_same(head_before));  // loaded in place
  Tensor x = tg::randn({2, 3}, &g1);
  a->eval();
  b->eval();
  CHECK(tg::equal(a->forward(x), b->forward(x)));

  nn::StateDict missing = a->state_dict();
  missing.erase("encoder.0.bias");
  CHECK_THROWS_WITH_AS(b->load_state_dict(missing),
                       doctest::Contains("missing key: encoder.0.bias"), tg::Error);
  b->load_state_dict(missing, /*strict=*/false);
  nn::StateDict extra = a->state_dict();
  extra["encoder.9.weight"] = tg::zeros({1});
  CHECK_THROWS_WITH_AS(b->load_state_dict(extra),
                       doctest::Contains("unexpected key: encoder.9.weight"), tg::Error);
  nn::StateDict wrong = a->state_dict();
  wrong["head.weight"] = tg::zeros({2, 4});
  CHECK_THROWS_WITH_AS(b->load_state_dict(wrong, false),
                       doctest::Contains("size mismatch for head.weight"), tg::Error);
  // BatchNorm's buffers travel with the state_dict.
  nn::BatchNorm1d bn1(2), bn2(2);
  bn1(make({1, 2, 3, 6}, {2, 2}));
  bn2.load_state_dict(bn1.state_dict());
  check_values(bn2.running_var, {1.1, 1.7});
  CHECK(bn2.num_batches_tracked.item<int64_t>() == 1);
}

TEST_CASE("nn modules: zero_grad and to(kFloat64)") {
  auto net = std::make_shared<Net>();
  net->eval();
  net->forward(tg::randn({4, 3})).sum().backward();
  REQUIRE(net->head->weight.grad().defined());
  net->zero_grad(/*set_to_none=*/false);
  CHECK(tg::amax(tg::abs(net->head->weight.grad())).item<double>() == 0.0);
  net->zero_grad();
  CHECK_FALSE(net->head->weight.grad().defined());

  Tensor w = net->head->weight;
  nn::BatchNorm1d bn(4);
  net->to(tg::kFloat64);
  bn.to(tg::kFloat64);
  CHECK(w.dtype() == tg::kFloat64);  // the member handle follows
  CHECK(net->encoder->named_parameters()[0].second.dtype() == tg::kFloat64);
  CHECK(bn.running_mean.dtype() == tg::kFloat64);
  CHECK(bn.num_batches_tracked.dtype() == tg::kInt64);  // integer buffers stay as they are
  Tensor y = net->forward(tg::randn({2, 3}, nullptr, tg::kFloat64));
  CHECK(y.dtype() == tg::kFloat64);
}

TEST_CASE("nn modules: ModuleList and ModuleDict") {
  nn::ModuleList list{std::make_shared<nn::Linear>(2, 3), std::make_shared<nn::ReLU>()};
  list.push_back(std::make_shared<nn::Linear>(3, 1));
  CHECK(list.size() == 3);
  CHECK(names(list.named_parameters()) ==
        std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
  CHECK(list.at<nn::Linear>(2)->in_features == 3);
  CHECK_THROWS_WITH_AS(list.at<nn::Linear>(1), doctest::Contains("ReLU"), tg::Error);
  CHECK_THROWS_AS(list[3], tg::Error);

  nn::ModuleDict dict;
  dict.insert("user", std::make_shared<nn::Embedding>(10, 4));
  dict.insert("genres", std::make_shared<nn::EmbeddingBag>(5, 4));
  CHECK(dict.contains("user"));
  CHECK_FALSE(dict.contains("item"));
  CHECK(dict.keys() == std::vector<std::string>{"user", "genres"});
  CHECK(names(dict.named_parameters()) == std::vector<std::string>{"user.weight", "genres.weight"});
  CHECK(dict.at<nn::Embedding>("user")->embedding_dim == 4);
  CHECK_THROWS_WITH_AS(dict["item"], doctest::Contains("no module named 'item'"), tg::Error);
  CHECK_THROWS_AS(dict.insert("user", std::make_shared<nn::ReLU>()), tg::Error);
  CHECK(dict.repr() ==
        "ModuleDict(\n  (user): Embedding(10, 4)\n  (genres): EmbeddingBag(5, 4, mode=mean)\n)");
}
