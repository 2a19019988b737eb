#!/usr/bin/env python3
"""bench/pytorch/bench_recsys.py — PyTorch twin of bench/bench_recsys_train.cpp (recsys training).

The same models as recsys/models (biased MF, deep MF, NCF-MLP = deep MF at dim 64, Wide & Deep,
SVD++, and one ALS sweep), with the same layers, sparse embeddings, losses, regularisers,
optimizers (SparseAdam / Adagrad on the sparse gradients, Adam on the dense ones, one optimizer
per group as each model's make_optimizers) and tuned defaults; the same data (u1.base of TG_DATA_DIR) and batch sizes; the
same benchmark names and Google Benchmark's JSON schema (the runner is bench_ops.py's).

  recsys_step/<model>/b256, /b1024      one step on a prepared batch: loss, zero_grad, backward,
                                         every optimizer's step, loss.item()
  recsys_epoch/<model>/u1.base/b1024    one shuffled pass over u1.base (torch.randperm, batches
                                         sliced from tensors: the fast way, no DataLoader)
  recsys_epoch/als/u1.base/sweep        one ALS sweep (users, then items): float64 normal
                                         equations by bmm over zero-padded groups, batched Cholesky

Wide & Deep's hashed cross features are computed per batch with vectorised int64 tensor ops; the
hash is bit-identical to WideDeep::wide_ids (checked at start-up against Python integers).

Data: TG_DATA_DIR must name an ml-100k folder (u.data, u.item, u.user, u.genre, u.occupation,
u1.base). scripts/bench-compare.sh sets it, writing the synthetic data first with
`bench_recsys --write_synthetic=DIR` when no real data is given. Dense ids are assigned by
ascending raw id, as tapegrad's loader does.

Usage: TG_DATA_DIR=... OMP_NUM_THREADS=1 python bench/pytorch/bench_recsys.py
       [--benchmark_filter=REGEX] [--benchmark_min_time=S] [--benchmark_out=FILE] ...
"""
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_ops  # noqa: E402  (the shared runner: timing loop, JSON schema)

CROSS_BUCKETS = 1 << 18
SIDE_DIM = 8


# ---- data: the ml-100k files, read as tapegrad's load_grouplens_100k does ---------------------
class Data:
    def __init__(self, d):
        def lines(name):
            with open(os.path.join(d, name), encoding="latin-1") as f:
                return [ln.rstrip("\n") for ln in f if ln.strip()]

        rows = [ln.split("\t") for ln in lines("u.data")]
        self.user_ids = {raw: k for k, raw in enumerate(sorted({int(r[0]) for r in rows}))}
        self.item_ids = {raw: k for k, raw in enumerate(sorted({int(r[1]) for r in rows}))}
        self.num_users, self.num_items = len(self.user_ids), len(self.item_ids)
        base = [ln.split("\t") for ln in lines("u1.base")]
        self.users = torch.tensor([self.user_ids[int(r[0])] for r in base], dtype=torch.int64)
        self.items = torch.tensor([self.item_ids[int(r[1])] for r in base], dtype=torch.int64)
        self.ratings = torch.tensor([float(r[2]) for r in base], dtype=torch.float32)
        self.mean = float(self.ratings.double().mean())
        self.synthetic = os.path.exists(os.path.join(d, "SYNTHETIC"))
        self.description = (f"{'synthetic' if self.synthetic else 'ml-100k'} ({d}), u1.base "
                            f"{len(base)} ratings, {self.num_users} users, {self.num_items} items")

        # user features (recsys/data/features.h buckets; 0 = unknown)
        occupations = lines("u.occupation")
        age = [0] * self.num_users
        gender, occ, zipp = list(age), list(age), list(age)
        for ln in lines("u.user"):
            f = ln.split("|")
            u = self.user_ids.get(int(f[0]))
            if u is None:
                continue
            a = int(f[1])
            age[u] = 0 if a <= 0 else 1 + sum(a >= up for up in (18, 25, 35, 45, 50, 56))
            gender[u] = {"M": 1, "F": 2}.get(f[2].upper(), 0)
            occ[u] = 1 + occupations.index(f[3]) if f[3] in occupations else 0
            z = f[4]
            zipp[u] = 1 + int(z[:2]) if len(z) >= 2 and z[:2].isdigit() else 0
        self.age, self.gender = torch.tensor(age), torch.tensor(gender)
        self.occupation, self.zip = torch.tensor(occ), torch.tensor(zipp)
        self.n_age, self.n_gender, self.n_occupation, self.n_zip = 8, 3, 1 + len(occupations), 101

        # item features: release-year bucket and genres
        self.n_genres = max(1, len(lines("u.genre")))
        year = [0] * self.num_items
        genres = [[] for _ in range(self.num_items)]
        for ln in lines("u.item"):
            f = ln.split("|")
            i = self.item_ids.get(int(f[0]))
            if i is None:
                continue
            y = int(f[2][-4:]) if len(f[2]) >= 4 and f[2][-4:].isdigit() else 0
            year[i] = 0 if y <= 0 else 1 if y < 1925 else min(2 + (y - 1925) // 5, 22)
            genres[i] = [g for g, flag in enumerate(f[5:5 + self.n_genres]) if flag.strip() == "1"]
        self.year, self.n_year = torch.tensor(year), 23
        self.genres = genres


# ---- models (recsys/models/*.cpp) ---------------------------------------------------------------
def sparse_embedding(rows, dim, std=0.05):
    e = nn.Embedding(rows, dim, sparse=True)
    with torch.no_grad():
        e.weight.normal_(0, std) if std else e.weight.zero_()
    return e


class BiasedMF(nn.Module):
    """mf.cpp: mu + b_u + b_i + p_u.q_i; SparseAdam lr 3e-3; L2 0.08 on the touched rows."""

    def __init__(self, data, dim=32, lr=3e-3, wd=0.08):
        super().__init__()
        self.P, self.Q = sparse_embedding(data.num_users, dim), sparse_embedding(data.num_items, dim)
        self.bu, self.bi = sparse_embedding(data.num_users, 1, 0), sparse_embedding(data.num_items, 1, 0)
        self.mean, self.wd = data.mean, wd
        self.optimizers = [torch.optim.SparseAdam(list(self.parameters()), lr=lr)]

    def loss(self, u, i, r):
        pu, qi = self.P(u), self.Q(i)
        bu, bi = self.bu(u).squeeze(1), self.bi(i).squeeze(1)
        err = (pu * qi).sum(1) + bu + bi + self.mean - r
        reg = ((pu * pu).sum(1) + (qi * qi).sum(1) + (bu * bu + bi * bi)).mean() * self.wd
        return (err * err).mean() + reg


class DeepMF(nn.Module):
    """deep_mf.cpp: mu + b_u + b_i + MLP([p_u, q_i]), tower [2d, 64, 32, 1] with dropout 0.2;
    embeddings SparseAdam, tower Adam, lr 5e-4; L2 0.4 on the touched embedding rows."""

    def __init__(self, data, dim=16, lr=5e-4, wd=0.4):
        super().__init__()
        self.P, self.Q = sparse_embedding(data.num_users, dim), sparse_embedding(data.num_items, dim)
        self.bu, self.bi = sparse_embedding(data.num_users, 1, 0), sparse_embedding(data.num_items, 1, 0)
        self.tower = nn.Sequential(nn.Linear(2 * dim, 64), nn.ReLU(), nn.Dropout(0.2),
                                   nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1))
        self.mean, self.wd = data.mean, wd
        emb = [self.P.weight, self.Q.weight, self.bu.weight, self.bi.weight]
        self.optimizers = [torch.optim.SparseAdam(emb, lr=lr),
                           torch.optim.Adam(self.tower.parameters(), lr=lr)]

    def loss(self, u, i, r):
        pu, qi = self.P(u), self.Q(i)
        inter = self.tower(torch.cat([pu, qi], 1)).squeeze(1)
        err = inter + self.bu(u).squeeze(1) + self.bi(i).squeeze(1) + self.mean - r
        reg = ((pu * pu).sum(1) + (qi * qi).sum(1)).mean() * self.wd
        return (err * err).mean() + reg


class SVDpp(nn.Module):
    """svdpp.cpp: mu + b_u + b_i + q_i.(p_u + |N(u)|^-1/2 sum_{j in N(u)} y_j), N(u) = the user's
    items in u1.base. In training each distinct user of the batch sums 16 items of N(u) drawn
    without replacement, scaled by |N(u)| / 16 (all of N(u) when it has at most 16); one
    EmbeddingBag (sum, per-sample weights) over the batch's distinct users. SparseAdam lr 1.5e-3
    for the user rows and for the item rows; L2 0.08 on p, q, 0.008 on the biases, 0.08 on the
    implicit sums."""

    def __init__(self, data, dim=32, lr=1.5e-3, wd=0.08, sample=16):
        super().__init__()
        nu, ni = data.num_users, data.num_items
        self.P, self.Q = sparse_embedding(nu, dim, 0.01), sparse_embedding(ni, dim, 0.01)
        self.bu, self.bi = sparse_embedding(nu, 1, 0), sparse_embedding(ni, 1, 0)
        self.Y = nn.EmbeddingBag(ni, dim, mode="sum", sparse=True)
        with torch.no_grad():
            self.Y.weight.normal_(0, 0.01)
        self.mean, self.wd, self.sample = data.mean, wd, sample
        # N(u) as zero-padded rows [users, longest list] plus the lengths.
        order = torch.argsort(data.users, stable=True)
        users = data.users[order]
        self.count = torch.bincount(users, minlength=nu)
        pos = torch.arange(len(users)) - (torch.cumsum(self.count, 0) - self.count)[users]
        self.lists = torch.zeros(nu, int(self.count.max()), dtype=torch.int64)
        self.lists[users, pos] = data.items[order]
        self.optimizers = [torch.optim.SparseAdam([self.P.weight, self.bu.weight], lr=lr),
                           torch.optim.SparseAdam([self.Q.weight, self.Y.weight, self.bi.weight], lr=lr)]

    def implicit(self, u):
        uu, inv = torch.unique(u, return_inverse=True)
        n = self.count[uu]
        width = self.lists.shape[1]
        k = min(self.sample, width)
        # k distinct positions per user: the k smallest of uniform keys, padding keyed out.
        keys = torch.rand(len(uu), width).masked_fill_(torch.arange(width)[None, :] >= n[:, None], 2.0)
        pos = keys.topk(k, dim=1, largest=False).indices
        valid = pos < n[:, None]
        ids = self.lists[uu[:, None], pos][valid]
        nf = n.float()
        scale = nf.clamp(min=1).rsqrt() * torch.where(n > k, nf / k, torch.ones_like(nf))
        w = scale[:, None].expand(-1, k)[valid]
        per_bag = valid.sum(1)
        return self.Y(ids, torch.cumsum(per_bag, 0) - per_bag, per_sample_weights=w)[inv]

    def loss(self, u, i, r):
        pu, qi, zu = self.P(u), self.Q(i), self.implicit(u)
        bu, bi = self.bu(u).squeeze(1), self.bi(i).squeeze(1)
        err = ((pu + zu) * qi).sum(1) + bu + bi + self.mean - r
        reg = (((pu * pu).sum(1) + (qi * qi).sum(1)).mean() * self.wd
               + (bu * bu + bi * bi).mean() * self.wd * 0.1 + (zu * zu).sum(1).mean() * self.wd)
        return (err * err).mean() + reg


def _signed(c):
    return c - (1 << 64) if c >= 1 << 63 else c


_A0, _A1, _B0, _B1 = (_signed(c) for c in (
    0x632BE59BD9B4E019, 0xBF58476D1CE4E5B9, 0x8CB92BA72F3D8DD7, 0x94D049BB133111EB))


def _srl(x, s):  # logical right shift of int64 bit patterns
    return (x >> s) & ((1 << (64 - s)) - 1)


def cross_bucket(kind, a, b):
    """WideDeep's mix(kind, a, b) % 2^18 on int64 tensors (uint64 arithmetic, wrapping)."""
    x = ((a + _A0) * _A1) ^ ((b + _B0) * _B1) ^ _signed((kind * 0x9E3779B97F4A7C15) % (1 << 64))
    x = x ^ _srl(x, 31)
    x = x * _A1
    x = x ^ _srl(x, 29)
    return x & (CROSS_BUCKETS - 1)


def _mix_reference(kind, a, b):
    m = (1 << 64) - 1
    x = ((kind * 0x9E3779B97F4A7C15) & m) ^ (((a + 0x632BE59BD9B4E019) * 0xBF58476D1CE4E5B9) & m) \
        ^ (((b + 0x8CB92BA72F3D8DD7) * 0x94D049BB133111EB) & m)
    x ^= x >> 31
    x = (x * 0xBF58476D1CE4E5B9) & m
    x ^= x >> 29
    return x % CROSS_BUCKETS


class WideDeep(nn.Module):
    """wide_deep.cpp: mu + wide(ids + hashed crosses; Adagrad lr 0.02) + deep(user, item, age,
    gender, occupation, zip, year embeddings and a genre EmbeddingBag (mean) -> MLP [2d+48, 128,
    64, 1] with dropout 0.2; SparseAdam on the embeddings, Adam on the MLP and wide bias, lr 1e-3);
    L2 0.2 on the touched user/item rows."""

    def __init__(self, data, dim=32, lr=1e-3, wd=0.2):
        super().__init__()
        self.d, self.mean, self.wd = data, data.mean, wd
        nu, ni = data.num_users, data.num_items
        self.wide = nn.EmbeddingBag(nu + ni + CROSS_BUCKETS, 1, mode="sum", sparse=True)
        with torch.no_grad():
            self.wide.weight.zero_()
        self.wide_bias = nn.Parameter(torch.zeros(1))
        self.user, self.item = sparse_embedding(nu, dim), sparse_embedding(ni, dim)
        self.age_e, self.gender_e = sparse_embedding(data.n_age, SIDE_DIM), sparse_embedding(data.n_gender, SIDE_DIM)
        self.occ_e, self.zip_e = sparse_embedding(data.n_occupation, SIDE_DIM), sparse_embedding(data.n_zip, SIDE_DIM)
        self.year_e = sparse_embedding(data.n_year, SIDE_DIM)
        self.genre_e = nn.EmbeddingBag(data.n_genres + 1, SIDE_DIM, mode="mean", sparse=True)
        with torch.no_grad():
            self.genre_e.weight.normal_(0, 0.05)
        self.mlp = nn.Sequential(nn.Linear(2 * dim + 6 * SIDE_DIM, 128), nn.ReLU(), nn.Dropout(0.2),
                                 nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 1))
        # Per item, its genres padded to the longest list (items without genres get the extra row).
        gl = [g if g else [data.n_genres] for g in data.genres]
        width = max(len(g) for g in gl)
        self.genre_pad = torch.tensor([g + [0] * (width - len(g)) for g in gl], dtype=torch.int64)
        self.genre_mask = torch.tensor([[k < len(g) for k in range(width)] for g in gl])
        self.genre_count = self.genre_mask.sum(1)
        self.base_item, self.base_cross = nu, nu + ni
        embs = [self.user.weight, self.item.weight, self.age_e.weight, self.gender_e.weight,
                self.occ_e.weight, self.zip_e.weight, self.year_e.weight, self.genre_e.weight]
        self.optimizers = [torch.optim.Adagrad([self.wide.weight], lr=0.02),
                           torch.optim.SparseAdam(embs, lr=lr),
                           torch.optim.Adam(list(self.mlp.parameters()) + [self.wide_bias], lr=lr)]

    def wide_ids(self, u, i):
        """One bag per sample: u, item, item x gender, item x age, then per genre its crosses with
        gender, age, occupation and user (the order of WideDeep::wide_ids)."""
        d = self.d
        g, a, o = d.gender[u], d.age[u], d.occupation[u]
        fixed = torch.stack([u, self.base_item + i,
                             self.base_cross + cross_bucket(5, i, g),
                             self.base_cross + cross_bucket(6, i, a)], 1)
        G, mask = self.genre_pad[i], self.genre_mask[i]
        per_genre = torch.stack([cross_bucket(1, g[:, None], G), cross_bucket(2, a[:, None], G),
                                 cross_bucket(3, o[:, None], G), cross_bucket(4, u[:, None], G)],
                                2) + self.base_cross  # [B, width, 4]
        ids = torch.cat([fixed, per_genre.flatten(1)], 1)
        keep = torch.cat([torch.ones_like(fixed, dtype=torch.bool),
                          mask[:, :, None].expand(-1, -1, 4).flatten(1)], 1)
        counts = 4 + 4 * self.genre_count[i]
        return ids[keep], torch.cumsum(counts, 0) - counts

    def loss(self, u, i, r):
        d = self.d
        wids, woff = self.wide_ids(u, i)
        wide = self.wide(wids, woff).squeeze(1) + self.wide_bias
        G, mask = self.genre_pad[i], self.genre_mask[i]
        gcount = self.genre_count[i]
        pu, qi = self.user(u), self.item(i)
        feats = torch.cat([pu, qi, self.age_e(d.age[u]), self.gender_e(d.gender[u]),
                           self.occ_e(d.occupation[u]), self.zip_e(d.zip[u]), self.year_e(d.year[i]),
                           self.genre_e(G[mask], torch.cumsum(gcount, 0) - gcount)], 1)
        err = wide + self.mlp(feats).squeeze(1) + self.mean - r
        reg = ((pu * pu).sum(1) + (qi * qi).sum(1)).mean() * self.wd
        return (err * err).mean() + reg


class ALS:
    """Als::sweep: rating ~ mu + b_u + b_i + p_u . q_i, each side's rows [p, b] solved in closed
    form with the other side fixed: ridge systems sum f f^T + lambda * n_e * I over the entity's
    ratings (f = [factors, 1], target r - mu - other bias), in float64, one batched Cholesky."""

    def __init__(self, data, dim=32, lam=0.12):
        self.d, self.dim, self.lam = data, dim, lam
        self.users = torch.zeros(data.num_users, dim + 1)
        self.items = torch.randn(data.num_items, dim + 1) * 0.1
        self.items[:, dim] = 0

    def solve_side(self, users_side):
        # The ratings grouped by entity and zero-padded to [n, max count, k], so that all normal
        # equations are two bmm calls (twice as fast here as index_add of per-rating outer
        # products; the same numbers), then one batched Cholesky factor-and-solve.
        d, k = self.d, self.dim + 1
        key, other = (d.users, d.items) if users_side else (d.items, d.users)
        fixed, out = (self.items, self.users) if users_side else (self.users, self.items)
        n = out.shape[0]
        order = torch.argsort(key, stable=True)
        key, other = key[order], other[order]
        count = torch.bincount(key, minlength=n)
        pos = torch.arange(len(key)) - (torch.cumsum(count, 0) - count)[key]
        f = fixed.double()[other]
        target = d.ratings.double()[order] - d.mean - f[:, self.dim]
        f[:, self.dim] = 1
        width = int(count.max())
        fp = torch.zeros(n, width, k, dtype=torch.float64)
        tp = torch.zeros(n, width, 1, dtype=torch.float64)
        fp[key, pos] = f
        tp[key, pos, 0] = target
        ft = fp.transpose(1, 2)
        a, b = torch.bmm(ft, fp), torch.bmm(ft, tp)
        a.diagonal(dim1=1, dim2=2).add_((self.lam * count.clamp(min=1)).double()[:, None])
        out.copy_(torch.cholesky_solve(b, torch.linalg.cholesky(a))[:, :, 0])

    def sweep(self):
        self.solve_side(True)
        self.solve_side(False)


MODELS = {
    "mf": lambda data: BiasedMF(data),
    "deep_mf": lambda data: DeepMF(data),
    "ncf_mlp": lambda data: DeepMF(data, dim=64),
    "wide_deep": lambda data: WideDeep(data),
    "svdpp": lambda data: SVDpp(data),
}


def step(model, u, i, r):
    """The per-batch body of GradientRecommender::fit."""
    loss = model.loss(u, i, r)
    for opt in model.optimizers:
        opt.zero_grad()
    loss.backward()
    for opt in model.optimizers:
        opt.step()
    return loss.item()


_DATA = None


def data():
    global _DATA
    if _DATA is None:
        d = os.environ.get("TG_DATA_DIR")
        if not d:
            sys.exit("bench_recsys.py: set TG_DATA_DIR to an ml-100k folder (scripts/bench-compare.sh "
                     "writes a synthetic one with bench_recsys --write_synthetic=DIR)")
        _DATA = Data(d)
    return _DATA


def cases():
    out = []

    def make_step(name, batch):
        def setup():
            torch.manual_seed(42)
            dt = data()
            model = MODELS[name](dt)
            model.train()
            g = torch.Generator().manual_seed(11)
            perm = torch.randperm(len(dt.ratings), generator=g)
            batches = [(dt.users[idx], dt.items[idx], dt.ratings[idx])
                       for idx in perm[: 32 * batch].split(batch)]
            state = {"k": 0}

            def run():
                b = batches[state["k"] % len(batches)]
                state["k"] += 1
                return step(model, *b)
            return run, ()
        return setup

    def make_epoch(name, batch):
        def setup():
            torch.manual_seed(42)
            dt = data()
            model = MODELS[name](dt)
            model.train()
            g = torch.Generator().manual_seed(11)

            def run():
                perm = torch.randperm(len(dt.ratings), generator=g)
                for idx in perm.split(batch):
                    step(model, dt.users[idx], dt.items[idx], dt.ratings[idx])
            return run, ()
        return setup

    def make_als_sweep():
        def setup():
            torch.manual_seed(42)
            model = ALS(data())
            return model.sweep, ()
        return setup

    for name in MODELS:
        for batch in (256, 1024):
            out.append(bench_ops.Case(f"recsys_step/{name}/b{batch}", make_step(name, batch), batch))
        out.append(bench_ops.Case(f"recsys_epoch/{name}/u1.base/b1024", make_epoch(name, 1024),
                                  len(data().ratings)))
    out.append(bench_ops.Case("recsys_epoch/als/u1.base/sweep", make_als_sweep(), len(data().ratings)))
    return out


def check_hash():
    import random
    rnd = random.Random(3)
    for _ in range(200):
        k, a, b = rnd.randrange(1, 7), rnd.randrange(0, 5000), rnd.randrange(0, 5000)
        got = int(cross_bucket(k, torch.tensor([a]), torch.tensor([b]))[0])
        assert got == _mix_reference(k, a, b), (k, a, b, got)


if __name__ == "__main__":
    check_hash()
    bench_ops.main(cases, lambda: {"dataset": data().description}, __doc__)
