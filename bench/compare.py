#!/usr/bin/env python3
"""bench/compare.py — joins tapegrad and PyTorch benchmark JSON by name; writes a table and chart.

Input: a folder of Google-Benchmark-format JSON files named
{tapegrad,pytorch}[-<suite>]-t<threads>-r<rep>.json (scripts/bench-compare.sh writes them; suites:
the op suite bench_ops, and recsys, the training benchmarks of bench_recsys). For each (library, threads, benchmark) the median of the
per-repetition wall times is taken; throughput = work per call / median time, and
ratio = PyTorch median time / tapegrad median time = tapegrad throughput / PyTorch throughput
(> 1: tapegrad faster). Targets (issue "Step 5"): per-op overhead >= 5x, GEMM n >= 256 >= 0.9x,
elementwise and reductions at >= 1M elements >= 1.0x, one recsys training epoch >= 2x (same
threads). Rows named recsys_* go to their own table (seconds per epoch, ms per step).

Usage: compare.py RAW_DIR --md OUT.md --png OUT.png [--title-extra K=V ...]
"""
import argparse
import glob
import json
import math
import os
import re
import statistics
from collections import defaultdict

ELEMENTWISE = {"add", "mul", "exp", "sigmoid", "relu"}
REDUCTIONS = {"sum_dim0", "sum_dim1", "mean_dim0", "mean_dim1", "amax_dim0", "amax_dim1",
              "sum_all", "softmax_dim1", "log_softmax_dim1"}


def load(raw_dir):
    """-> runs[(lib, threads)][name] = list of rows (one per repetition); contexts[(lib, t)]."""
    runs = defaultdict(lambda: defaultdict(list))
    contexts = {}
    for path in sorted(glob.glob(os.path.join(raw_dir, "*-t*-r*.json"))):
        m = re.match(r"(tapegrad|pytorch)(?:-([a-z0-9_]+))?-t(\d+)-r(\d+)\.json$",
                     os.path.basename(path))
        if not m:
            continue
        lib, threads = m.group(1), int(m.group(3))
        with open(path) as f:
            doc = json.load(f)
        ctx = contexts.setdefault((lib, threads), {})
        for k, v in doc.get("context", {}).items():
            ctx.setdefault(k, v)
        for b in doc.get("benchmarks", []):
            if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
                continue
            runs[(lib, threads)][b["run_name"].removesuffix("/real_time")].append(b)
    return runs, contexts


def summarize(rows):
    """Median time (s) and work per call (items, bytes) from one benchmark's repetitions."""
    unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    times = [r["real_time"] * unit[r["time_unit"]] for r in rows]
    cpu = [r["cpu_time"] * unit[r["time_unit"]] for r in rows]
    t = statistics.median(times)
    r0, t0 = rows[0], times[0]
    return {
        "time": t,
        "cpu": statistics.median(cpu),
        "spread": (max(times) - min(times)) / t if t > 0 else 0.0,
        "items": r0.get("items_per_second", 0.0) * t0,
        "bytes": r0.get("bytes_per_second", 0.0) * t0,
        "n": len(times),
    }


def split_name(name):
    op, _, size = name.partition("/")
    return op, size


def size_elems(op, size):
    """A number to plot against: elements (or n for square GEMM, batch for lookups)."""
    head = size.split("/")[0]
    if op == "mm" and "x" not in head:
        return int(head)
    b = re.search(r"/b(\d+)", size)
    if b:
        return int(b.group(1))
    try:
        return math.prod(int(p) for p in head.split("x"))
    except ValueError:
        return None


def fmt_throughput(op, s, peak_gflops):
    if op == "overhead":
        return f"{s['time'] * 1e9:,.0f} ns"
    if op == "mm":
        g = s["items"] / s["time"] / 1e9
        pk = f" ({100 * g / peak_gflops:.0f}%)" if peak_gflops else ""
        return f"{g:,.1f} GFLOP/s{pk}"
    if s["bytes"]:
        return f"{s['bytes'] / s['time'] / 1e9:,.2f} GB/s"
    return f"{s['items'] / s['time'] / 1e6:,.1f} M/s"


def target_for(op, size):
    """(required ratio, label) when a target from the issues applies to this row, else None."""
    if op == "overhead":
        return 5.0, "per-op overhead >= 5x"
    if op == "mm" and "x" not in size and int(size) >= 256:
        return 0.9, "GEMM n >= 256 >= 0.9x"
    if op in ELEMENTWISE | REDUCTIONS and (size_elems(op, size) or 0) >= (1 << 20):
        return 1.0, "elementwise/reduction >= 1M >= 1.0x"
    if op == "recsys_epoch":
        return 2.0, "recsys training epoch >= 2x"
    return None


# The issue's PyTorch reference times (s per epoch of ML-100K u1.base, 1 thread, this CPU).
ISSUE_EPOCH_REFERENCE = {"mf": 0.13, "ncf_mlp": 0.35, "wide_deep": 0.85}


def build_recsys_table(runs, threads_list, verdicts):
    """Seconds per epoch / ms per step, side by side, for the recsys_* rows."""
    lines = ["| model | workload | threads | tapegrad | PyTorch | ratio | target | spread | "
             "CPU-time ratio | issue's PyTorch ref |",
             "|---|---|---:|---:|---:|---:|---|---:|---:|---:|"]
    for t in threads_list:
        tg, pt = runs.get(("tapegrad", t), {}), runs.get(("pytorch", t), {})
        for name in tg:
            op, size = split_name(name)
            if not op.startswith("recsys_") or name not in pt:
                continue
            model, _, workload = size.partition("/")
            a, b = summarize(tg[name]), summarize(pt[name])
            ratio = b["time"] / a["time"]
            tgt = target_for(op, size)
            mark = ""
            if tgt:
                ok = ratio >= tgt[0]
                verdicts[(tgt[1], t)][0 if ok else 1] += 1
                mark = f"{'met' if ok else '**missed**'} (>= {tgt[0]:g}x)"
            if op == "recsys_epoch":
                fmt = lambda s: f"{s['time']:.3f} s/epoch"
                ref = ISSUE_EPOCH_REFERENCE.get(model)
                ref = f"{ref:.2f} s" if ref and t == 1 else ""
                wl = f"epoch, {workload}"
            else:
                fmt = lambda s: f"{s['time'] * 1e3:.3f} ms/step"
                ref, wl = "", f"step, {workload}"
            cpu_ratio = f"{b['cpu'] / a['cpu']:.2f}x" if t == 1 and a["cpu"] > 0 else "n/a"
            spread = max(a["spread"], b["spread"])
            lines.append(f"| {model} | {wl} | {t} | {fmt(a)} | {fmt(b)} | {ratio:.2f}x | {mark} | "
                         f"{100 * spread:.0f}% | {cpu_ratio} | {ref} |")
    return lines if len(lines) > 2 else []


def build_table(runs, contexts, threads_list):
    lines, verdicts = [], defaultdict(lambda: [0, 0])
    lines.append("| op | size | threads | tapegrad | PyTorch | ratio | target | spread | "
                 "CPU-time ratio |")
    lines.append("|---|---|---:|---:|---:|---:|---|---:|---:|")
    records = []
    for t in threads_list:
        tg, pt = runs.get(("tapegrad", t), {}), runs.get(("pytorch", t), {})
        peak = float(contexts.get(("tapegrad", t), {}).get("fp32_peak_gflops", 0) or 0)
        for name in tg:  # tapegrad's order
            if name not in pt or name.startswith("recsys_"):
                continue
            op, size = split_name(name)
            a, b = summarize(tg[name]), summarize(pt[name])
            ratio = b["time"] / a["time"]
            tgt = target_for(op, size)
            mark = ""
            if tgt:
                ok = ratio >= tgt[0]
                verdicts[(tgt[1], t)][0 if ok else 1] += 1
                mark = f"{'met' if ok else '**missed**'} (>= {tgt[0]:g}x)"
            spread = max(a["spread"], b["spread"])
            # Main-thread CPU time: immune to time slicing by other processes, but only
            # meaningful single-threaded (worker threads are not counted).
            cpu_ratio = f"{b['cpu'] / a['cpu']:.2f}x" if t == 1 and a["cpu"] > 0 else "n/a"
            lines.append(f"| {op} | {size} | {t} | {fmt_throughput(op, a, peak)} | "
                         f"{fmt_throughput(op, b, peak)} | {ratio:.2f}x | {mark} | "
                         f"{100 * spread:.0f}% | {cpu_ratio} |")
            records.append((op, size, t, a, b, ratio))
    return lines, verdicts, records


def plot(records, png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_op = defaultdict(list)
    for op, size, t, a, b, ratio in records:
        x = size_elems(op, size)
        if op in ("overhead",) or x is None or (op == "mm" and "x" in size):
            continue
        by_op[op].append((x, t, a, b, size))
    ops = [op for op in by_op if len({r[0] for r in by_op[op]}) >= 2]
    if not ops:
        return
    cols = 4
    rows = (len(ops) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    colors = {1: "tab:blue", 2: "tab:orange", 4: "tab:green", 8: "tab:red"}
    for ax, op in zip(axes.flat, ops):
        for t in sorted({r[1] for r in by_op[op]}):
            pts = sorted(r for r in by_op[op] if r[1] == t)
            xs = [p[0] for p in pts]
            if op == "mm":
                unit, f = "GFLOP/s", lambda s: s["items"] / s["time"] / 1e9
            elif pts[0][2]["bytes"]:
                unit, f = "GB/s", lambda s: s["bytes"] / s["time"] / 1e9
            else:
                unit, f = "M items/s", lambda s: s["items"] / s["time"] / 1e6
            c = colors.get(t, None)
            ax.plot(xs, [f(p[2]) for p in pts], "-o", color=c, ms=3, label=f"tapegrad {t}T")
            ax.plot(xs, [f(p[3]) for p in pts], "--s", color=c, ms=3, label=f"PyTorch {t}T")
            ax.set_ylabel(unit)
        ax.set_xscale("log", base=2)
        ax.set_title(op, fontsize=10)
        ax.grid(True, alpha=0.3)
        ax.set_xlabel("n (square)" if op == "mm" else "batch" if op in
                      ("index_select", "embedding", "index_add") else "elements")
    for ax in list(axes.flat)[len(ops):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("tapegrad (solid) vs PyTorch (dashed): throughput vs size", fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    fig.savefig(png, dpi=64)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("raw_dir")
    p.add_argument("--md", required=True)
    p.add_argument("--png")
    p.add_argument("--meta", action="append", default=[], help="KEY=VALUE lines for the header")
    a = p.parse_args()
    runs, contexts = load(a.raw_dir)
    threads_list = sorted({t for (_, t) in runs})
    lines, verdicts, records = build_table(runs, contexts, threads_list)
    recsys_lines = build_recsys_table(runs, threads_list, verdicts)
    if len(lines) <= 2:
        lines = []
    if recsys_lines:
        lines += ["", "## Recsys training (recsys/models vs the PyTorch twins)", ""]
        for t in threads_list:
            for lib in ("tapegrad", "pytorch"):
                ds = contexts.get((lib, t), {}).get("dataset")
                if ds:
                    lines.append(f"- **data ({lib}, {t} thread(s))**: {ds}")
        lines += ["- ratio = PyTorch time / tapegrad time (> 1: tapegrad faster); the issue's "
                  "reference is its PyTorch time per epoch at 1 thread on this CPU.", ""]
        lines += recsys_lines

    tctx = next((contexts[k] for k in sorted(contexts) if k[0] == "tapegrad"), {})
    pctx = next((contexts[k] for k in sorted(contexts) if k[0] == "pytorch"), {})
    reps = max((len(v) for d in runs.values() for v in d.values()), default=0)
    head = ["# tapegrad vs PyTorch — benchmarks", ""]
    for kv in a.meta:
        k, _, v = kv.partition("=")
        head.append(f"- **{k}**: {v}")
    head += [
        f"- **PyTorch**: {pctx.get('library', '?')} (BLAS: {pctx.get('torch_blas', '?')}, "
        f"CPU capability: {pctx.get('torch_cpu_capability', '?')})",
        f"- **CPU**: {tctx.get('cpu_model', '?')}, {tctx.get('num_cpus', '?')} CPUs",
        f"- **threads** (OMP_NUM_THREADS, both libraries): {', '.join(map(str, threads_list))}",
        f"- **tapegrad GEMM backend**: {tctx.get('gemm_backend', '?')}",
    ]
    for t in threads_list:
        c = contexts.get(("tapegrad", t), {})
        if c.get("fp32_peak_gflops"):
            head.append(f"- **fp32 peak, {t} thread(s)**: {float(c['fp32_peak_gflops']):.1f} GFLOP/s "
                        f"measured ({c.get('fp32_peak_method', '')}); nominal "
                        f"{float(c.get('fp32_nominal_peak_gflops', 0)):.1f} "
                        f"({c.get('fp32_nominal_peak_formula', '')})")
    head += [
        f"- **method**: each suite run {reps} times, interleaved (tapegrad, PyTorch, PyTorch, "
        "tapegrad, ...); the median wall time per call is reported. ratio = PyTorch time / "
        "tapegrad time = tapegrad throughput / PyTorch throughput (> 1: tapegrad faster). "
        "GEMM cells show GFLOP/s and % of the measured fp32 peak. spread = (max - min) / median "
        "over the repetitions, worse of the two libraries. CPU-time ratio (1 thread only): the same "
        "ratio from main-thread CPU time, which other processes' load does not inflate; where it "
        "differs much from the wall-time ratio, the row was disturbed by load.",
        "",
    ]
    summary = ["", "## Targets", "", "| target | threads | met | missed |", "|---|---:|---:|---:|"]
    for (label, t), (ok, bad) in sorted(verdicts.items()):
        summary.append(f"| {label} | {t} | {ok} | {bad} |")
    text = "\n".join(head + lines + summary) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(a.md)), exist_ok=True)
    with open(a.md, "w") as f:
        f.write(text)
    if a.png:
        plot(records, a.png)
    print(text)


if __name__ == "__main__":
    main()
