// recsys/data/batch.cpp — BatchIterator.
#include "batch.h"

#include <cstring>

#include "../../tensor/error.h"
#include "../../tensor/generator.h"
#include "random.h"

namespace tg::recsys {

BatchIterator::BatchIterator(const Interactions& data, int64_t batch_size, bool shuffle,
                             Generator* gen, bool prefetch)
    : data_(data), batch_size_(batch_size), shuffle_(shuffle), gen_(gen), prefetch_(prefetch) {
  TG_CHECK(batch_size > 0, "BatchIterator: batch_size must be positive, got ", batch_size);
}

BatchIterator::~BatchIterator() { stop_worker(); }

int64_t BatchIterator::num_batches() const {
  return (static_cast<int64_t>(data_.size()) + batch_size_ - 1) / batch_size_;
}

void BatchIterator::stop_worker() {
  if (!worker_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
  ready_.clear();
  stop_ = false;
}

void BatchIterator::reset() {
  stop_worker();
  in_epoch_ = false;
}

void BatchIterator::start_epoch() {
  const int64_t n = static_cast<int64_t>(data_.size());
  order_.clear();
  if (shuffle_) {
    // Fisher-Yates from counters reserved on the generator: a pure function of (seed, offset).
    Generator& g = gen_ ? *gen_ : default_generator();
    const uint64_t seed = g.seed();
    const uint64_t base = g.reserve(static_cast<uint64_t>(n));
    order_.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) order_[static_cast<size_t>(i)] = i;
    for (int64_t i = n; i > 1; --i) {
      uint64_t bits = detail::hash3(seed, base + static_cast<uint64_t>(i - 1), 0xBA7C);
      std::swap(order_[static_cast<size_t>(i - 1)], order_[detail::bounded(bits, static_cast<uint64_t>(i))]);
    }
  }
  in_epoch_ = true;
  next_batch_ = 0;
  if (prefetch_) {
    const int64_t total = num_batches();
    worker_ = std::thread([this, total] {
      for (int64_t b = 0; b < total; ++b) {
        Batch batch = make_batch(b);
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stop_ || ready_.size() < kDepth; });
        if (stop_) return;
        ready_.push_back(std::move(batch));
        cv_.notify_all();
      }
    });
  }
}

Batch BatchIterator::make_batch(int64_t index) const {
  const int64_t begin = index * batch_size_;
  const int64_t b = std::min<int64_t>(batch_size_, static_cast<int64_t>(data_.size()) - begin);
  Batch out;
  out.size = b;
  out.users = empty({b}, kInt64);
  out.items = empty({b}, kInt64);
  out.ratings = empty({b}, kFloat32);
  int64_t* u = out.users.data<int64_t>();
  int64_t* it = out.items.data<int64_t>();
  float* r = out.ratings.data<float>();
  if (order_.empty()) {
    std::memcpy(u, data_.user.data() + begin, static_cast<size_t>(b) * sizeof(int64_t));
    std::memcpy(it, data_.item.data() + begin, static_cast<size_t>(b) * sizeof(int64_t));
    std::memcpy(r, data_.rating.data() + begin, static_cast<size_t>(b) * sizeof(float));
  } else {
    const int64_t* rows = order_.data() + begin;
    for (int64_t k = 0; k < b; ++k) {
      const size_t row = static_cast<size_t>(rows[k]);
      u[k] = data_.user[row];
      it[k] = data_.item[row];
      r[k] = data_.rating[row];
    }
  }
  return out;
}

bool BatchIterator::next(Batch& out) {
  if (!in_epoch_) start_epoch();
  if (next_batch_ >= num_batches()) {
    stop_worker();
    in_epoch_ = false;
    return false;
  }
  if (prefetch_) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !ready_.empty(); });
    out = std::move(ready_.front());
    ready_.pop_front();
    cv_.notify_all();
  } else {
    out = make_batch(next_batch_);
  }
  ++next_batch_;
  return true;
}

}  // namespace tg::recsys
