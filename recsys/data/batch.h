// recsys/data/batch.h — mini-batches of (user, item, rating) as tensors, seeded shuffling, and an
// optional prefetch thread.
//
//   tg::Generator gen(42);
//   BatchIterator it(split.train, 1024, /*shuffle=*/true, &gen);
//   for (int epoch = 0; epoch < 10; ++epoch) {
//     Batch b;
//     while (it.next(b)) { ... b.users, b.items, b.ratings ... }  // one pass = one epoch
//   }
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "../../tensor/tensor.h"
#include "interactions.h"

namespace tg {
class Generator;
}

namespace tg::recsys {

struct Batch {
  Tensor users, items, ratings;  // int64 [B], int64 [B], float32 [B]
  int64_t size = 0;              // B (the last batch of an epoch may be short)
};

class BatchIterator {
 public:
  // `data` must outlive the iterator. With shuffle, each epoch's order is a permutation drawn from
  // `gen` (the default generator when null): the same seed gives the same sequence of epochs.
  // With prefetch, a thread builds the next batches while the caller trains on the current one.
  BatchIterator(const Interactions& data, int64_t batch_size, bool shuffle, Generator* gen,
                bool prefetch = false);
  ~BatchIterator();
  BatchIterator(const BatchIterator&) = delete;
  BatchIterator& operator=(const BatchIterator&) = delete;

  // The next batch of the current epoch; false once the epoch is done (out is left untouched),
  // and the call after that starts the next epoch.
  bool next(Batch& out);
  int64_t num_batches() const;
  int64_t batch_size() const { return batch_size_; }
  // Abandons the current epoch; the next call to next() starts a new one.
  void reset();

 private:
  void start_epoch();
  Batch make_batch(int64_t index) const;
  void stop_worker();

  const Interactions& data_;
  int64_t batch_size_;
  bool shuffle_;
  Generator* gen_;
  bool prefetch_;

  std::vector<int64_t> order_;  // row order of the current epoch (empty: file order)
  bool in_epoch_ = false;
  int64_t next_batch_ = 0;

  // Prefetch state: the worker fills `ready_` (at most kDepth batches ahead).
  static constexpr size_t kDepth = 2;
  std::thread worker_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> ready_;
  bool stop_ = false;
};

}  // namespace tg::recsys
