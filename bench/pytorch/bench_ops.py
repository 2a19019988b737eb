#!/usr/bin/env python3
"""bench/pytorch/bench_ops.py — PyTorch twins of the tapegrad op benchmarks (bench/bench_*.cpp).

Same workloads (shapes, float32/int64 dtypes, fresh outputs), same benchmark names and the same
JSON schema as Google Benchmark's --benchmark_format=json, so bench/compare.py joins rows by name.
Threads: torch.set_num_threads(OMP_NUM_THREADS). Timing follows Google Benchmark: grow the
iteration count until one run lasts --benchmark_min_time seconds, report wall time per iteration
("real_time", ns), repeat --benchmark_repetitions times, then add mean/median/stddev rows.

Per-op overhead rows measure what a PyTorch user pays: the Python call into torch (a bound
function called in a bare loop; the loop itself costs ~30 ns of the ~1-2 us).

Usage: OMP_NUM_THREADS=1 python bench/pytorch/bench_ops.py [--benchmark_filter=REGEX]
       [--benchmark_repetitions=N] [--benchmark_min_time=SECONDS] [--benchmark_out=FILE]
       [--benchmark_format=json|console] [--fp32_peak_gflops=G]
"""
import argparse
import datetime
import json
import os
import platform
import re
import socket
import statistics
import sys
import time

import torch

ROWS, DIM = 100000, 64  # the embedding table of bench_index.cpp


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


class Case:
    """One benchmark: `make()` builds the inputs and returns (fn, args); counters per iteration."""

    def __init__(self, name, make, items, bytes_=0.0, flops=0.0):
        self.name, self.make, self.items, self.bytes, self.flops = name, make, items, bytes_, flops


def cases():
    g = torch.Generator().manual_seed(1234)
    randn = lambda *s: torch.randn(*s, generator=g, dtype=torch.float32)
    randint = lambda hi, *s: torch.randint(0, hi, s, generator=g, dtype=torch.int64)
    out = []

    # ---- bench_elementwise.cpp ----------------------------------------------------------------
    def chain5(a, b):
        return torch.relu(torch.sigmoid(torch.exp(torch.mul(torch.add(a, b), b))))

    out.append(Case("overhead/add_1elem", lambda: (torch.add, (randn(1), randn(1))), 1))
    out.append(Case("overhead/chain5_1elem", lambda: (chain5, (randn(1), randn(1))), 5))

    # ---- bench_autograd.cpp: graph recording + backward on tiny tensors ------------------------
    def autograd_chain5(a, b):
        chain5(a, b).backward()
        a.grad = None
        b.grad = None

    def autograd_mlp_step(x, w1, b1, w2):
        torch.mean(torch.relu(x @ w1 + b1) @ w2).backward()
        w1.grad = b1.grad = w2.grad = None

    leaf = lambda *s: randn(*s).requires_grad_()
    out.append(Case("overhead/autograd_chain5_1elem",
                    lambda: (autograd_chain5, (leaf(1), leaf(1))), 5))
    out.append(Case("overhead/autograd_mlp_step",
                    lambda: (autograd_mlp_step, (randn(32, 16), leaf(16, 16),
                                                 torch.zeros(16).requires_grad_(), leaf(16, 1))), 1))
    unary = {"exp": torch.exp, "sigmoid": torch.sigmoid, "relu": torch.relu}
    binary = {"add": torch.add, "mul": torch.mul}
    sizes = [1024 * 4**k for k in range(8)]  # 1K ... 16M
    for name in ["add", "mul", "exp", "sigmoid", "relu"]:
        for n in sizes:
            if name in binary:
                out.append(Case(f"{name}/{n}", lambda f=binary[name], n=n: (f, (randn(n), randn(n))),
                                n, n * 4 * 3))
            else:
                out.append(Case(f"{name}/{n}", lambda f=unary[name], n=n: (f, (randn(n),)),
                                n, n * 4 * 2))

    # ---- bench_training.cpp: sparse embedding lookup + backward + optimizer step --------------
    def embedding_step(emb, opt, batches, state={"k": 0}):
        ids = batches[state["k"] % len(batches)]
        state["k"] += 1
        out = emb(ids)
        loss = (out * out).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()

    def make_embedding_case(rows, dim, batch, opt_cls):
        def setup():
            emb = torch.nn.Embedding(rows, dim, sparse=True)
            ids_gen = torch.Generator().manual_seed(5)
            batches = [torch.randint(0, rows, (batch,), generator=ids_gen) for _ in range(16)]
            return (embedding_step, (emb, opt_cls(emb.parameters()), batches, {"k": 0}))
        return setup

    for rows, opt_name, opt_cls in [(2625, "sparse_adam", torch.optim.SparseAdam),
                                    (2625, "adagrad", torch.optim.Adagrad),
                                    (1000000, "sparse_adam", torch.optim.SparseAdam)]:
        out.append(Case(f"train/embedding_{opt_name}/{rows}x64/b1024",
                        make_embedding_case(rows, 64, 1024, opt_cls), 1024))

    # ---- bench_reduce.cpp ---------------------------------------------------------------------
    reds = [
        ("sum_dim1", lambda x: torch.sum(x, 1), 1), ("sum_dim0", lambda x: torch.sum(x, 0), 0),
        ("mean_dim1", lambda x: torch.mean(x, 1), 1), ("mean_dim0", lambda x: torch.mean(x, 0), 0),
        ("amax_dim1", lambda x: torch.amax(x, 1), 1), ("amax_dim0", lambda x: torch.amax(x, 0), 0),
        ("sum_all", torch.sum, -1),
        ("softmax_dim1", lambda x: torch.softmax(x, 1), "all"),
        ("log_softmax_dim1", lambda x: torch.log_softmax(x, 1), "all"),
    ]
    for name, f, dim in reds:
        for n, m in [(1024, 1024), (4096, 4096)]:
            out_elems = {-1: 1, 0: m, 1: n, "all": n * m}[dim]
            out.append(Case(f"{name}/{n}x{m}", lambda f=f, n=n, m=m: (f, (randn(n, m),)),
                            n * m, (n * m + out_elems) * 4))

    # ---- bench_linalg.cpp ---------------------------------------------------------------------
    shapes = [(n, n, n, str(n)) for n in [64, 128, 256, 512, 1024, 2048]]
    shapes += [(1024, 128, 64, "1024x128x64"), (256, 64, 32, "256x64x32")]
    for n, k, m, label in shapes:
        fl = 2.0 * n * k * m
        out.append(Case(f"mm/{label}", lambda n=n, k=k, m=m: (torch.mm, (randn(n, k), randn(k, m))),
                        fl, (n * k + k * m + n * m) * 4, flops=fl))

    # ---- bench_index.cpp ----------------------------------------------------------------------
    emb = torch.nn.functional.embedding
    for b in [1024, 65536]:
        sz = f"{ROWS}x{DIM}/b{b}"
        out.append(Case(f"index_select/{sz}", lambda b=b: (
            torch.index_select, (randn(ROWS, DIM), 0, randint(ROWS, b))), b, b * (DIM * 4 * 2 + 8)))
        out.append(Case(f"embedding/{sz}", lambda b=b: (
            lambda t, i: emb(i, t), (randn(ROWS, DIM), randint(ROWS, b)))
            , b, b * (DIM * 4 * 2 + 8)))
        out.append(Case(f"index_add/{sz}", lambda b=b: (
            torch.index_add, (randn(ROWS, DIM), 0, randint(ROWS, b), randn(b, DIM))),
            b, b * (DIM * 4 * 3 + 8) + ROWS * DIM * 8))
    for n, m in [(1024, 1024), (4096, 1024)]:
        out.append(Case(f"gather_dim1/{n}x{m}", lambda n=n, m=m: (
            torch.gather, (randn(n, m), 1, randint(m, n, m))), n * m, n * m * (4 * 2 + 8)))
        out.append(Case(f"scatter_add_dim1/{n}x{m}", lambda n=n, m=m: (
            torch.scatter_add, (randn(n, m), 1, randint(m, n, m), randn(n, m))),
            n * m, n * m * (4 * 4 + 8)))
    for rows, n, k in [(1, 1682, 10), (1024, 1682, 10), (1, 100000, 10), (256, 100000, 10)]:
        out.append(Case(f"topk/{rows}x{n}/k{k}", lambda rows=rows, n=n, k=k: (
            lambda x: torch.topk(x, k, 1), (randn(rows, n),)), rows * n, rows * n * 4))
    return out


def time_run(fn, args, iters):
    rng = range(iters)
    w0, c0 = time.perf_counter(), time.thread_time()
    for _ in rng:
        fn(*args)
    return time.perf_counter() - w0, time.thread_time() - c0


def measure(fn, args, min_time):
    """Google Benchmark's iteration search: grow until a run lasts min_time, report that run."""
    fn(*args)  # warm-up (allocator, lazy init)
    iters = 1
    while True:
        wall, cpu = time_run(fn, args, iters)
        if wall >= min_time or iters >= 1_000_000_000:
            return iters, wall, cpu
        mult = min_time * 1.4 / max(wall, 1e-9)
        iters = int(max(iters * min(mult, 10.0), iters + 1)) if wall / min_time <= 0.1 else \
            int(max(iters * mult, iters + 1))


def row(case, index, reps, rep, iters, wall, cpu, peak, threads, run_type="iteration", agg=None):
    name = case.name + "/real_time"
    r = {
        "name": name if agg is None else f"{name}_{agg}",
        "family_index": index, "per_family_instance_index": 0, "run_name": name,
        "run_type": run_type, "repetitions": reps, "repetition_index": rep, "threads": 1,
        "iterations": iters, "real_time": wall, "cpu_time": cpu, "time_unit": "ns",
    }
    if agg is not None:
        r["aggregate_name"] = agg
        r["aggregate_unit"] = "time"
        del r["repetition_index"]
    return r


def add_counters(r, case, seconds_per_iter, peak, threads):
    rate = 1.0 / seconds_per_iter if seconds_per_iter > 0 else 0.0
    if case.bytes:
        r["bytes_per_second"] = case.bytes * rate
    r["items_per_second"] = case.items * rate
    r["omp_threads"] = float(threads)
    if case.flops and peak:
        r["peak_frac"] = case.flops * rate / (peak * 1e9)
    return r


def main(make_cases=None, extra_context=None, description=__doc__):
    """Runs the cases of make_cases() (default: this file's op cases) and writes the JSON.

    extra_context(args) -> dict of additional context keys; bench_recsys.py reuses this runner."""
    p = argparse.ArgumentParser(description=description, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--benchmark_filter", default=".")
    p.add_argument("--benchmark_repetitions", type=int, default=1)
    p.add_argument("--benchmark_min_time", default="0.5")
    p.add_argument("--benchmark_format", choices=["json", "console"], default="json")
    p.add_argument("--benchmark_out", default=None)
    p.add_argument("--fp32_peak_gflops", type=float, default=0.0,
                   help="denominator of peak_frac (scripts/bench-compare.sh passes tapegrad's)")
    a = p.parse_args()
    min_time = float(a.benchmark_min_time.rstrip("s"))
    threads = int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or torch.get_num_threads()
    torch.set_num_threads(threads)
    flt = re.compile(a.benchmark_filter)

    doc = {"context": {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "host_name": socket.gethostname(), "executable": " ".join([sys.executable] + sys.argv),
        "num_cpus": os.cpu_count(), "library": f"torch {torch.__version__}",
        "cpu_model": cpu_model(), "omp_threads": str(torch.get_num_threads()),
        "torch_blas": "MKL" if torch.backends.mkl.is_available() else "other",
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "library_build_type": "release",
    }, "benchmarks": []}
    if extra_context:
        doc["context"].update(extra_context())
    reps = max(1, a.benchmark_repetitions)
    for index, case in enumerate(c for c in (make_cases or cases)()
                                 if flt.search(c.name + "/real_time")):
        fn, args = case.make()
        times = []
        for rep in range(reps):
            iters, wall, cpu = measure(fn, args, min_time)
            r = row(case, index, reps, rep, iters, wall / iters * 1e9, cpu / iters * 1e9, a.fp32_peak_gflops,
                    threads)
            doc["benchmarks"].append(add_counters(r, case, wall / iters, a.fp32_peak_gflops, threads))
            times.append((wall / iters, cpu / iters, iters))
            if a.benchmark_format == "console":
                print(f"{r['name']:<45} {r['real_time']:>14.0f} ns {iters:>10}", file=sys.stderr)
        if reps > 1:
            for agg, f in [("mean", statistics.mean), ("median", statistics.median),
                           ("stddev", statistics.stdev)]:
                w = f([t[0] for t in times])
                c = f([t[1] for t in times])
                r = row(case, index, reps, 0, times[0][2], w * 1e9, c * 1e9, a.fp32_peak_gflops,
                        threads, "aggregate", agg)
                doc["benchmarks"].append(add_counters(r, case, w, a.fp32_peak_gflops, threads)
                                         if agg != "stddev" else r)
        del fn, args
    text = json.dumps(doc, indent=2)
    if a.benchmark_out:
        with open(a.benchmark_out, "w") as f:
            f.write(text + "\n")
    if a.benchmark_format == "json" and not a.benchmark_out:
        print(text)


if __name__ == "__main__":
    main()
