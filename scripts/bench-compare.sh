#!/usr/bin/env bash
# scripts/bench-compare.sh — tapegrad vs PyTorch op benchmarks, interleaved, 1 and 2 threads.
#
# For each thread count, runs the tapegrad suite (build/bin/bench_ops) and its PyTorch twin
# (bench/pytorch/bench_ops.py) alternately REPS times (order flipped every repetition so slow
# drift from other load hits both), same OMP_NUM_THREADS for both; then bench/compare.py takes
# medians, joins by benchmark name and writes bench/results/<host>-<date>.md and .png, and prints
# the table. Raw JSON stays in <build-dir>/bench-raw/<stamp>/ (not committed).
#
# Needs: the bench build (-DTG_BUILD_BENCH=ON, built here if missing) and scripts/bench-setup.sh.
# Usage: scripts/bench-compare.sh [--threads "1 2"] [--reps 3] [--min-time 0.2]
#          [--filter REGEX] [--build-dir DIR] [--venv DIR]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
threads="1 2" reps=3 min_time=0.2 filter="." build="$root/build-bench" venv="$root/.venv-bench"
while (($#)); do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --min-time) min_time="$2"; shift 2 ;;
    --filter) filter="$2"; shift 2 ;;
    --build-dir) build="$2"; shift 2 ;;
    --venv) venv="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "bench-compare: unknown argument $1" >&2; exit 2 ;;
  esac
done

tg_bin="$build/bin/bench_ops"
if [[ ! -x "$tg_bin" ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTG_BUILD_BENCH=ON \
    -DTG_BUILD_TESTS=OFF -DTG_BUILD_EXAMPLES=OFF
  cmake --build "$build" -j2 --target bench_ops
fi
py="$venv/bin/python"
[[ -x "$py" ]] || { echo "bench-compare: no $py; run scripts/bench-setup.sh first" >&2; exit 1; }

host="$(hostname -s)"
stamp="$(date +%Y-%m-%d)"
raw="$build/bench-raw/$host-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$raw" "$root/bench/results"
out="$root/bench/results/$host-$stamp"

# The hash of the tree the benchmark binary was built from (the build's source dir).
src="$(sed -n 's/^tapegrad_SOURCE_DIR:STATIC=//p' "$build/CMakeCache.txt" 2>/dev/null)"
src="${src:-$root}"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git_hash="$(git -C "$src" rev-parse --short HEAD)"
  git -C "$src" diff --quiet HEAD -- 2>/dev/null || git_hash="$git_hash (+ uncommitted changes)"
else
  git_hash="unknown (built from $src, not a git checkout)"
fi
tg_flags="$(grep -E '^(CMAKE_BUILD_TYPE|TG_NATIVE|TG_OPENMP):' "$build/CMakeCache.txt" 2>/dev/null \
  | tr '\n' ' ' || true)"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "bench-compare: load average before: $load_before; raw JSON in $raw"

for t in $threads; do
  for ((r = 1; r <= reps; r++)); do
    run_tg() {
      echo "bench-compare: tapegrad, $t thread(s), repetition $r/$reps"
      OMP_NUM_THREADS=$t "$tg_bin" --benchmark_filter="$filter" --benchmark_min_time="$min_time" \
        --benchmark_format=console --benchmark_out_format=json \
        --benchmark_out="$raw/tapegrad-t$t-r$r.json" >/dev/null
    }
    run_pt() {
      echo "bench-compare: PyTorch, $t thread(s), repetition $r/$reps"
      local peak
      peak="$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["context"].get("fp32_peak_gflops", 0))' \
        "$raw/tapegrad-t$t-r1.json")"
      OMP_NUM_THREADS=$t MKL_NUM_THREADS=$t "$py" "$root/bench/pytorch/bench_ops.py" \
        --benchmark_filter="$filter" --benchmark_min_time="$min_time" \
        --fp32_peak_gflops="$peak" --benchmark_out="$raw/pytorch-t$t-r$r.json"
    }
    if ((r % 2)); then run_tg; run_pt; else run_pt; run_tg; fi
  done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

"$py" "$root/bench/compare.py" "$raw" --md "$out.md" --png "$out.png" \
  --meta "date=$(date -Iseconds)" \
  --meta "tapegrad=git $git_hash, build: $tg_flags" \
  --meta "load average (1/5/15 min)=before $load_before, after $load_after (2 CPUs)"
echo "bench-compare: wrote $out.md and $out.png"
