// tests/test_fused_ops.cpp — the fused CPU paths give the bits of the op sequences they replace:
// the dropout mask (one pass over the uniforms), relu's backward (one pass), the fused Adam and
// SparseAdam updates (one pass per parameter / touched row), and the vector Philox fill (against
// its scalar tail, element by element).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <tuple>
#include <limits>
#include <vector>

#include <tapegrad/tapegrad.h>

namespace {

using tg::Tensor;

}  // namespace

TEST_CASE("fused ops: the vector uniform fill equals its scalar tail at every offset") {
  // Lengths below 8 run the scalar tail only; longer ones the 8-counter vector loop plus the
  // tail. Drawn in pieces or at once, element i gets the counter offset + i either way.
  for (tg::DType dt : {tg::kFloat32, tg::kFloat64}) {
    tg::Generator g1(5), g2(5);
    Tensor whole = tg::rand({3 + 8 + 13 + 1 + 16 + 7}, &g1, dt);
    std::vector<Tensor> parts;
    for (int64_t n : {3, 8, 13, 1, 16, 7}) parts.push_back(tg::rand({n}, &g2, dt));
    CHECK(tg::equal(whole, tg::cat(parts)));
    CHECK(tg::amin(whole).item<double>() >= 0.0);
    CHECK(tg::amax(whole).item<double>() < 1.0);
  }
}

TEST_CASE("fused ops: dropout equals ge(rand, p) * 1/(1-p) * x, forward and backward") {
  for (tg::DType dt : {tg::kFloat32, tg::kFloat64}) {
    for (double p : {0.2, 0.5, 0.9}) {
      tg::Generator gx(1);
      Tensor x = tg::randn({37, 19}, &gx, dt).requires_grad_();
      tg::Generator g1(3), g2(3);
      Tensor y = tg::dropout(x, p, true, &g1);
      Tensor keep = tg::ge(tg::rand(x.sizes(), &g2, dt), tg::Scalar(p));
      Tensor mask = tg::mul(keep.to(dt), tg::Scalar(1.0 / (1.0 - p)));
      Tensor ref = tg::mul(x.detach(), mask);
      CHECK(tg::equal(y.detach(), ref));
      Tensor g = tg::randn({37, 19}, &gx, dt);
      y.backward(g);
      CHECK(tg::equal(x.grad(), tg::mul(g, mask)));
    }
  }
}

TEST_CASE("fused ops: relu backward equals g * (y > 0), signed zeros and NaN included") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (tg::DType dt : {tg::kFloat32, tg::kFloat64}) {
    tg::Generator gen(7);
    std::vector<double> xs = tg::randn({64 * 33}, &gen, tg::kFloat64).to_vector<double>();
    std::vector<double> gs = tg::randn({64 * 33}, &gen, tg::kFloat64).to_vector<double>();
    for (int k = 0; k < 40; ++k) xs[static_cast<size_t>(k)] = k % 2 ? 0.0 : -0.0;
    for (int k = 40; k < 50; ++k) xs[static_cast<size_t>(k)] = nan;
    for (int k = 0; k < 60; k += 3) gs[static_cast<size_t>(k)] = k % 2 ? nan : -inf;
    for (int k = 1; k < 60; k += 3) gs[static_cast<size_t>(k)] = -0.0;
    Tensor x = tg::from_vector(xs, tg::DimVec{64, 33}).to(dt).requires_grad_();
    Tensor g = tg::from_vector(gs, tg::DimVec{64, 33}).to(dt);
    Tensor y = tg::relu(x);
    y.backward(g);
    Tensor ref = tg::mul(g, tg::gt(y.detach(), 0).to(dt));
    Tensor a = x.grad().contiguous(), b = ref.contiguous();
    REQUIRE(a.nbytes() == b.nbytes());
    CHECK(std::memcmp(a.data_ptr(), b.data_ptr(), a.nbytes()) == 0);  // bitwise, NaN included
  }
  // create_graph: the gradient of the gradient still flows through g
  Tensor x = tg::tensor({-1.0, 2.0, 3.0}, tg::kFloat64).requires_grad_();
  Tensor y = tg::relu(x);
  Tensor s = tg::sum(tg::mul(y, y));
  Tensor gx = tg::autograd::grad({s}, {x}, {}, true, /*create_graph=*/true)[0];
  Tensor gg = tg::autograd::grad({tg::sum(gx)}, {x})[0];  // d/dx sum(2 relu(x) relu'(x))
  CHECK(gg.to_vector<double>() == std::vector<double>{0.0, 2.0, 2.0});
}

namespace {

// optim/adam.cpp's reference sequence of ops (the path a backend without a fused kernel takes).
void adam_reference(Tensor& p, const Tensor& grad_in, Tensor& m, Tensor& v, int64_t t, double lr,
                    double beta1, double beta2, double eps, double wd, bool decoupled) {
  tg::NoGradGuard ng;
  Tensor grad = grad_in;
  if (wd != 0) {
    if (decoupled) p.mul_(1.0 - lr * wd);
    else grad = tg::add(grad, p, wd);
  }
  m.mul_(beta1).add_(grad, 1.0 - beta1);
  v.mul_(beta2).add_(tg::mul(grad, grad), 1.0 - beta2);
  const double bc1 = 1.0 - std::pow(beta1, static_cast<double>(t));
  const double bc2 = 1.0 - std::pow(beta2, static_cast<double>(t));
  Tensor denom = tg::sqrt(v).div_(std::sqrt(bc2)).add_(eps);
  p.sub_(tg::div(m, denom), lr / bc1);
}

// optim/sparse_adam.cpp's reference sequence over coalesced rows.
void sparse_adam_reference(Tensor& p, const Tensor& rows, const Tensor& values, Tensor& m,
                           Tensor& v, int64_t t, double lr, double beta1, double beta2,
                           double eps) {
  tg::NoGradGuard ng;
  Tensor old_m = tg::index_select(m, 0, rows);
  Tensor m_update = tg::sub(values, old_m).mul_(1.0 - beta1);
  tg::add_sparse_(m, tg::sparse_rows(rows, m_update, m.sizes(), true));
  Tensor old_v = tg::index_select(v, 0, rows);
  Tensor v_update = tg::mul(values, values).sub_(old_v).mul_(1.0 - beta2);
  tg::add_sparse_(v, tg::sparse_rows(rows, v_update, v.sizes(), true));
  Tensor numer = m_update.add_(old_m);
  Tensor denom = v_update.add_(old_v).sqrt().add_(eps);
  const double bc1 = 1.0 - std::pow(beta1, static_cast<double>(t));
  const double bc2 = 1.0 - std::pow(beta2, static_cast<double>(t));
  tg::add_sparse_(p, tg::sparse_rows(rows, numer.div_(denom), p.sizes(), true),
                  -(lr * std::sqrt(bc2) / bc1));
}

}  // namespace

TEST_CASE("fused ops: Adam and AdamW steps equal the reference op sequence bitwise") {
  for (tg::DType dt : {tg::kFloat32, tg::kFloat64}) {
    for (int variant = 0; variant < 3; ++variant) {  // plain, L2 weight decay, decoupled (AdamW)
      const double lr = 3e-3, wd = variant == 0 ? 0.0 : 0.05;
      tg::Generator gen(11);
      Tensor w0 = tg::randn({70, 33}, &gen, dt);
      Tensor p = w0.clone().requires_grad_();
      Tensor ref = w0.clone(), m = tg::zeros_like(w0), v = tg::zeros_like(w0);
      std::unique_ptr<tg::optim::Optimizer> opt;
      if (variant == 2) {
        tg::optim::AdamWOptions o;
        o.lr = lr;
        o.weight_decay = wd;
        opt = std::make_unique<tg::optim::AdamW>(std::vector<Tensor>{p}, o);
      } else {
        tg::optim::AdamOptions o;
        o.lr = lr;
        o.weight_decay = wd;
        opt = std::make_unique<tg::optim::Adam>(std::vector<Tensor>{p}, o);
      }
      for (int64_t t = 1; t <= 4; ++t) {
        Tensor g = tg::randn({70, 33}, &gen, dt);
        opt->zero_grad();
        p.backward(g);
        opt->step();
        adam_reference(ref, g, m, v, t, lr, 0.9, 0.999, 1e-8, wd, variant == 2);
        CHECK(tg::equal(p.detach(), ref));
      }
    }
  }
}

TEST_CASE("fused ops: SparseAdam steps equal the reference op sequence bitwise") {
  for (tg::DType dt : {tg::kFloat32, tg::kFloat64}) {
    tg::Generator gen(13);
    Tensor w0 = tg::randn({50, 24}, &gen, dt);
    Tensor w = w0.clone().requires_grad_();
    Tensor ref = w0.clone(), m = tg::zeros_like(w0), v = tg::zeros_like(w0);
    tg::optim::SparseAdamOptions o;
    o.lr = 1e-2;
    tg::optim::SparseAdam opt({w}, o);
    for (int64_t t = 1; t <= 4; ++t) {
      Tensor idx = tg::randint(0, 50, {40}, &gen);  // repeated rows: coalesced by the step
      Tensor upstream = tg::randn({40, 24}, &gen, dt);
      opt.zero_grad();
      tg::sum(tg::mul(tg::embedding(w, idx, true), upstream)).backward();
      Tensor g = w.grad().coalesce();
      opt.step();
      sparse_adam_reference(ref, g.indices(), g.values(), m, v, t, o.lr, o.beta1, o.beta2, o.eps);
      CHECK(tg::equal(w.detach(), ref));
    }
  }
}

TEST_CASE("fused ops: addmm with beta = alpha = 1 (nn.Linear) equals bias + A B bitwise") {
  for (tg::DType dt : {tg::kFloat32, tg::kFloat64}) {
    tg::Generator gen(17);
    // tiny (Eigen's coefficient-based product), the recsys towers' shapes, and a long K
    for (auto [n, k, m] : {std::tuple<int64_t, int64_t, int64_t>{3, 4, 5}, {1024, 192, 64},
                           {256, 64, 32}, {64, 1500, 24}}) {
      Tensor a = tg::randn({n, k}, &gen, dt), b = tg::randn({k, m}, &gen, dt);
      Tensor bias = tg::randn({m}, &gen, dt);
      Tensor ref = tg::add(bias.expand({n, m}), tg::mm(a, b));
      CHECK(tg::equal(tg::addmm(bias, a, b), ref));
      Tensor bias2 = tg::randn({n, m}, &gen, dt);  // a full 2-D bias too
      CHECK(tg::equal(tg::addmm(bias2, a, b), tg::add(bias2, tg::mm(a, b))));
    }
  }
}
