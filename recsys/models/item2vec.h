// recsys/models/item2vec.h — item2vec (Barkan & Koenigstein 2016): word2vec's skip-gram with
// negative sampling, where a "sentence" is one user's time-ordered history of items.
//
// Items rated close together in time by the same user get similar vectors. Wide & Deep uses them
// (--behaviour item2vec) as the article's "user behaviour as a dense vector": a user is the mean of
// the vectors of the items in their training history. Trained on tapegrad's sparse embeddings:
// each step touches only the rows of the batch's centre, context and negative items.
#pragma once

#include <cstdint>
#include <vector>

#include "../../tensor/tensor.h"
#include "../data/interactions.h"

namespace tg::recsys {

struct Item2VecOptions {
  int64_t dim = 32;
  int64_t window = 5;      // context items on each side of the centre item
  int64_t negatives = 5;   // negatives per (centre, context) pair, drawn from unigram^0.75
  int64_t epochs = 3;
  int64_t batch = 4096;    // pairs per step
  double lr = 0.01;        // SparseAdam
  uint64_t seed = 42;
};

// Each user's items in `data`, ordered by timestamp (ties by the row order), as sequences.
std::vector<std::vector<int64_t>> user_histories(const Interactions& data, int64_t num_users);

// Item vectors [num_items, dim] (float32, each row L2-normalised; items that never occur are 0)
// learnt from the sequences. Deterministic for a seed.
Tensor train_item2vec(const std::vector<std::vector<int64_t>>& sequences, int64_t num_items,
                      const Item2VecOptions& options);

// Mean of the item vectors of each user's history: [num_users, dim] (zero for empty histories).
Tensor mean_history_vectors(const std::vector<std::vector<int64_t>>& histories,
                            const Tensor& item_vectors);

}  // namespace tg::recsys
