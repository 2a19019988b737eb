// tests/test_concurrency.cpp — the thread-safety contract (README, "Thread safety"): read-only
// inference on one shared trained model from many threads gives the single-threaded results
// bitwise; grad mode is per thread; independent graphs and optimizers on distinct tensors train
// concurrently. CI also runs this file under ThreadSanitizer (scripts/sanitize.sh thread).
#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "synthetic_models.h"

using tg::Tensor;
using namespace tg::recsys;

namespace {

constexpr int kThreads = 8;

// Runs body(t) on kThreads threads released together; returns the messages of any exceptions.
std::vector<std::string> run_threads(const std::function<void(int)>& body) {
  std::latch start(kThreads);
  std::mutex mu;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      try {
        body(t);
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mu);
        errors.push_back(e.what());
      }
    });
  }
  for (auto& th : threads) th.join();
  return errors;
}

bool same_list(const std::vector<Scored>& a, const std::vector<Scored>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].item != b[i].item || std::memcmp(&a[i].score, &b[i].score, sizeof(float)) != 0)
      return false;
  return true;
}

// Every (user, item) pair, repeated past the parallel-loop threshold so that the kernels' OpenMP
// regions run inside each calling thread, plus unknown ids (the fallback path).
void all_pairs(const Dataset& ds, Tensor& users, Tensor& items) {
  std::vector<int64_t> u, i;
  for (int rep = 0; rep < 4; ++rep)
    for (int64_t a = 0; a < ds.num_users(); ++a)
      for (int64_t b = 0; b < ds.num_items(); ++b) {
        u.push_back(a);
        i.push_back(b);
      }
  for (int64_t extra : {0, 100}) {
    u.push_back(ds.num_users() + extra);
    i.push_back(0);
    u.push_back(0);
    i.push_back(ds.num_items() + extra);
  }
  users = tg::from_vector(u);
  items = tg::from_vector(i);
}

}  // namespace

TEST_CASE("concurrency: predict / recommend / similar on one shared model from 8 threads") {
  const Dataset ds = tg_test::synthetic_dataset();
  const Split split = tg_test::synthetic_split(ds);
  Tensor users, items;
  all_pairs(ds, users, items);
  for (const std::string name : {"mf", "wide_deep", "deep_mf", "als"}) {
    CAPTURE(name);
    auto model = tg_test::train_tiny(name, ds, split);
    model->eval();  // gradient-trained models end fit in eval mode; ALS has no train mode to leave

    // Single-threaded reference results.
    Tensor ref_pred = model->predict(users, items);
    std::vector<std::vector<Scored>> ref_rec, ref_sim;
    for (int64_t u = 0; u < ds.num_users(); ++u)
      ref_rec.push_back(model->recommend(u, 10, ds, split.train));
    const bool has_vectors = model->item_vectors().defined();
    if (has_vectors)
      for (int64_t i = 0; i < ds.num_items(); ++i) ref_sim.push_back(model->similar(i, 5));

    std::atomic<int64_t> checked{0}, mismatched{0};
    std::vector<std::string> errors = run_threads([&](int t) {
      tg::NoGradGuard no_grad;  // the contract: inference under NoGradGuard
      for (int round = 0; round < 3; ++round) {
        if ((round + t) % 3 == 0) {
          mismatched += !tg_test::bitwise_equal(model->predict(users, items), ref_pred);
          ++checked;
        }
        for (int64_t u = t; u < ds.num_users(); u += kThreads / 2) {
          mismatched +=
              !same_list(model->recommend(u, 10, ds, split.train), ref_rec[static_cast<size_t>(u)]);
          ++checked;
        }
        if (has_vectors)
          for (int64_t i = t; i < ds.num_items(); i += kThreads) {
            mismatched += !same_list(model->similar(i, 5), ref_sim[static_cast<size_t>(i)]);
            ++checked;
          }
      }
    });
    CHECK(errors.empty());
    for (const auto& e : errors) MESSAGE(e);
    CHECK(checked.load() > 100);
    CHECK(mismatched.load() == 0);
  }
}

TEST_CASE("concurrency: evaluate_ratings on one shared eval-mode model from 8 threads") {
  const Dataset ds = tg_test::synthetic_dataset();
  const Split split = tg_test::synthetic_split(ds);
  auto model = tg_test::train_tiny("mf", ds, split);
  const RatingEval ref = evaluate_ratings(*model, split.test, 64);
  std::atomic<int> mismatched{0};
  std::vector<std::string> errors = run_threads([&](int) {
    for (int round = 0; round < 5; ++round) {
      RatingEval ev = evaluate_ratings(*model, split.test, 64);
      mismatched += ev.rmse != ref.rmse || ev.mae != ref.mae || ev.count != ref.count;
    }
  });
  CHECK(errors.empty());
  CHECK(mismatched.load() == 0);
  CHECK_FALSE(model->is_training());
}

TEST_CASE("concurrency: grad mode is per thread") {
  Tensor w = tg::ones({3}).requires_grad_();
  std::latch both_inside(2), done(2);
  bool no_grad_records = true, grad_records = false;
  std::thread a([&] {
    tg::NoGradGuard no_grad;
    both_inside.arrive_and_wait();  // b computes while this guard is active
    no_grad_records = tg::mul(w, 2.0).requires_grad();
    done.arrive_and_wait();
  });
  std::thread b([&] {
    both_inside.arrive_and_wait();
    grad_records = tg::mul(w, 2.0).requires_grad();
    done.arrive_and_wait();
  });
  a.join();
  b.join();
  CHECK_FALSE(no_grad_records);
  CHECK(grad_records);
  CHECK(tg::GradMode::is_enabled());  // this thread's flag was never touched
}

TEST_CASE("concurrency: independent models train on 8 threads exactly as they do serially") {
  // Each thread owns its tensors, graph and optimizer; the result must equal a serial run with
  // the same seed (engine, allocator, memory counters and kernels shared by all threads).
  auto train = [](uint64_t seed) {
    tg::Generator gen(seed);
    tg::nn::Linear l1(16, 32, true, &gen), l2(32, 1, true, &gen);
    std::vector<Tensor> params = l1.parameters();
    for (const Tensor& p : l2.parameters()) params.push_back(p);
    tg::optim::AdamOptions opts;
    opts.lr = 1e-2;
    tg::optim::Adam opt(params, opts);
    Tensor x = tg::randn({64, 16}, &gen), y = tg::randn({64, 1}, &gen);
    for (int step = 0; step < 20; ++step) {
      Tensor loss = tg::nn::functional::mse_loss(l2.forward(tg::relu(l1.forward(x))), y);
      opt.zero_grad();
      loss.backward();
      opt.step();
    }
    return params;
  };
  std::vector<std::vector<Tensor>> serial, parallel(kThreads);
  for (int t = 0; t < kThreads; ++t) serial.push_back(train(100 + static_cast<uint64_t>(t)));
  std::vector<std::string> errors = run_threads(
      [&](int t) { parallel[static_cast<size_t>(t)] = train(100 + static_cast<uint64_t>(t)); });
  REQUIRE(errors.empty());
  for (int t = 0; t < kThreads; ++t)
    for (size_t p = 0; p < serial[0].size(); ++p)
      CHECK(tg_test::bitwise_equal(serial[static_cast<size_t>(t)][p],
                                   parallel[static_cast<size_t>(t)][p]));
}

TEST_CASE("concurrency: the CPU block caches hand each block to one thread at a time") {
  // 8 threads allocate, fill, check and free tensors of 1-4 MiB (four size classes) and of
  // 512 B - 64 KiB (the per-thread caches) in a loop
  // with a small cache limit, so blocks move between threads and get evicted while others
  // allocate. A block handed to two threads at once would show the other thread's value.
  const int64_t old_limit = tg::cpu::cache_limit();
  tg::cpu::set_cache_limit(int64_t{8} << 20);
  std::atomic<int> wrong{0};
  const auto errors = run_threads([&](int t) {
    for (int round = 0; round < 48; ++round) {
      // 1-4 MiB (the shared cache), or 512 B - 64 KiB (each thread's own)
      const int64_t n = round % 2 ? (int64_t{1} << 18) * (1 + (t + round) % 4)
                                  : int64_t{128} << ((t + round) % 8);
      Tensor x = tg::full({n}, static_cast<double>(t * 100 + round));
      const float* p = x.data<float>();
      for (int64_t i = 0; i < n; i += 1 + n / 64)
        if (p[i] != static_cast<float>(t * 100 + round)) wrong.fetch_add(1);
    }
  });
  tg::cpu::empty_cache();
  tg::cpu::set_cache_limit(old_limit);
  CHECK(errors.empty());
  CHECK(wrong.load() == 0);
  CHECK(tg::cpu::cache_stats().cached_bytes == 0);
}
