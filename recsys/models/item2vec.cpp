// recsys/models/item2vec.cpp — see item2vec.h.
#include "item2vec.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "../../autograd/grad_mode.h"
#include "../../nn/functional.h"
#include "../../optim/sparse_adam.h"
#include "../../tensor/generator.h"
#include "../../tensor/ops.h"

namespace tg::recsys {

std::vector<std::vector<int64_t>> user_histories(const Interactions& data, int64_t num_users) {
  TG_CHECK(num_users >= 0, "user_histories: num_users must be >= 0");
  std::vector<std::vector<size_t>> rows(static_cast<size_t>(num_users));
  for (size_t r = 0; r < data.size(); ++r) {
    const int64_t u = data.user[r];
    TG_CHECK(u >= 0 && u < num_users, "user_histories: user id ", u, " out of range [0, ",
             num_users, ")");
    rows[static_cast<size_t>(u)].push_back(r);
  }
  std::vector<std::vector<int64_t>> out(rows.size());
  for (size_t u = 0; u < rows.size(); ++u) {
    auto& rs = rows[u];
    std::stable_sort(rs.begin(), rs.end(),
                     [&](size_t a, size_t b) { return data.timestamp[a] < data.timestamp[b]; });
    out[u].reserve(rs.size());
    for (size_t r : rs) out[u].push_back(data.item[r]);
  }
  return out;
}

Tensor train_item2vec(const std::vector<std::vector<int64_t>>& sequences, int64_t num_items,
                      const Item2VecOptions& o) {
  TG_CHECK(num_items > 0, "item2vec: num_items must be > 0");
  TG_CHECK(o.dim > 0 && o.window > 0 && o.negatives > 0 && o.epochs >= 0 && o.batch > 0 && o.lr > 0,
           "item2vec: dim, window, negatives, batch and lr must be positive and epochs >= 0");
  // (centre, context) pairs within the window, and item counts for the negative distribution.
  std::vector<int64_t> centre, context;
  std::vector<double> count(static_cast<size_t>(num_items), 0.0);
  for (const auto& seq : sequences) {
    const int64_t n = static_cast<int64_t>(seq.size());
    for (int64_t a = 0; a < n; ++a) {
      TG_CHECK(seq[static_cast<size_t>(a)] >= 0 && seq[static_cast<size_t>(a)] < num_items,
               "item2vec: item id ", seq[static_cast<size_t>(a)], " out of range [0, ", num_items, ")");
      count[static_cast<size_t>(seq[static_cast<size_t>(a)])] += 1;
      for (int64_t b = std::max<int64_t>(0, a - o.window); b <= std::min(n - 1, a + o.window); ++b) {
        if (b == a) continue;
        centre.push_back(seq[static_cast<size_t>(a)]);
        context.push_back(seq[static_cast<size_t>(b)]);
      }
    }
  }
  Generator gen(o.seed);
  Tensor in = mul(sub(rand({num_items, o.dim}, &gen), 0.5), 1.0 / static_cast<double>(o.dim));
  in.requires_grad_(true);
  Tensor out = zeros({num_items, o.dim});
  out.requires_grad_(true);
  if (!centre.empty() && o.epochs > 0) {
    // word2vec's unigram^0.75 table: a uniform index into it draws a negative.
    constexpr int64_t kTable = 1 << 20;
    std::vector<int64_t> table;
    table.reserve(kTable);
    double total = 0;
    for (double c : count) total += std::pow(c, 0.75);
    double acc = 0;
    for (int64_t i = 0; i < num_items && static_cast<int64_t>(table.size()) < kTable; ++i) {
      acc += std::pow(count[static_cast<size_t>(i)], 0.75) / total;
      while (static_cast<int64_t>(table.size()) < kTable &&
             static_cast<double>(table.size()) < acc * static_cast<double>(kTable))
        table.push_back(i);
    }
    while (static_cast<int64_t>(table.size()) < kTable) table.push_back(num_items - 1);
    Tensor table_t = from_vector(table);

    optim::SparseAdamOptions opt_o;
    opt_o.lr = o.lr;
    optim::SparseAdam opt({in, out}, opt_o);
    const int64_t pairs = static_cast<int64_t>(centre.size());
      for (int64_t e = 0; e < o.epochs; ++e) {
      Tensor perm = randperm(pairs, &gen);
      const int64_t* pp = perm.data<int64_t>();
      for (int64_t s = 0; s < pairs; s += o.batch) {
        const int64_t b = std::min(o.batch, pairs - s);
        std::vector<int64_t> c(static_cast<size_t>(b)), x(static_cast<size_t>(b));
        for (int64_t k = 0; k < b; ++k) {
          c[static_cast<size_t>(k)] = centre[static_cast<size_t>(pp[s + k])];
          x[static_cast<size_t>(k)] = context[static_cast<size_t>(pp[s + k])];
        }
        Tensor negs = index_select(table_t, 0, randint(0, kTable, {b * o.negatives}, &gen));
        Tensor vc = embedding(in, from_vector(c), /*sparse_grad=*/true);                  // [b, d]
        Tensor vx = embedding(out, from_vector(x), true);                                 // [b, d]
        Tensor vn = embedding(out, negs, true).reshape({b, o.negatives, o.dim});          // [b, k, d]
        Tensor pos = sum(mul(vc, vx), {1});                                               // [b]
        Tensor negsc = bmm(vn, vc.unsqueeze(2)).squeeze(2);                               // [b, k]
        // -log sigmoid(pos) - sum log sigmoid(-neg) = softplus(-pos) + sum softplus(neg)
        Tensor l = mean(add(softplus(neg(pos)), sum(softplus(negsc), {1})));
        opt.zero_grad();
        l.backward();
        opt.step();
      }
    }
  }
  NoGradGuard no_grad;
  Tensor v = in.detach();
  Tensor norm = clamp(sqrt(sum(mul(v, v), {1}, /*keepdim=*/true)), Scalar(1e-12), std::nullopt);
  Tensor seen = gt(from_vector(count).to(kFloat32), Scalar(0.0)).unsqueeze(1);
  return where(seen, div(v, norm), zeros_like(v)).contiguous();
}

Tensor mean_history_vectors(const std::vector<std::vector<int64_t>>& histories,
                            const Tensor& item_vectors) {
  NoGradGuard no_grad;
  TG_CHECK(item_vectors.dim() == 2, "mean_history_vectors: item_vectors must be 2-D");
  const int64_t d = item_vectors.size(1);
  std::vector<int64_t> ids, owner;
  std::vector<float> weight;
  for (size_t u = 0; u < histories.size(); ++u)
    for (int64_t i : histories[u]) {
      ids.push_back(i);
      owner.push_back(static_cast<int64_t>(u));
      weight.push_back(1.0f / static_cast<float>(histories[u].size()));
    }
  Tensor out = zeros({static_cast<int64_t>(histories.size()), d});
  if (ids.empty()) return out;
  Tensor rows = mul(index_select(item_vectors, 0, from_vector(ids)), from_vector(weight).unsqueeze(1));
  return index_add(out, 0, from_vector(owner), rows);
}

}  // namespace tg::recsys
