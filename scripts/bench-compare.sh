#!/usr/bin/env bash
# scripts/bench-compare.sh — tapegrad vs PyTorch benchmarks, interleaved, 1 and 2 threads.
#
# Suites: "ops" (bench_ops vs bench/pytorch/bench_ops.py) and "recsys" (bench_recsys vs
# bench/pytorch/bench_recsys.py: training steps and epochs of the recsys models). For each thread
# count and suite, runs the tapegrad binary and its PyTorch twin alternately REPS times (order
# flipped every repetition so slow drift from other load hits both), same OMP_NUM_THREADS for
# both; then bench/compare.py takes medians, joins by benchmark name and writes
# bench/results/<host>-<date>[-<tag>].md and .png, and prints the tables. Raw JSON stays in
# <build-dir>/bench-raw/<stamp>/ (not committed).
# recsys data: TG_DATA_DIR (an ml-100k folder) when set, else a synthetic one of the same size
# written once into the raw folder (bench_recsys --write_synthetic); both sides read the same files.
#
# Needs: the bench build (-DTG_BUILD_BENCH=ON, built here if missing) and scripts/bench-setup.sh.
# Usage: scripts/bench-compare.sh [--suites "ops recsys"] [--threads "1 2"] [--reps 3]
#          [--min-time 0.2] [--filter REGEX] [--build-dir DIR] [--venv DIR] [--tag NAME]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
threads="1 2" reps=3 min_time=0.2 filter="." build="$root/build-bench" venv="$root/.venv-bench"
suites="ops recsys" tag=""
while (($#)); do
  case "$1" in
    --suites) suites="$2"; shift 2 ;;
    --tag) tag="-$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --min-time) min_time="$2"; shift 2 ;;
    --filter) filter="$2"; shift 2 ;;
    --build-dir) build="$2"; shift 2 ;;
    --venv) venv="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "bench-compare: unknown argument $1" >&2; exit 2 ;;
  esac
done

declare -A tg_bin=([ops]="$build/bin/bench_ops" [recsys]="$build/bin/bench_recsys")
declare -A pt_script=([ops]="$root/bench/pytorch/bench_ops.py" [recsys]="$root/bench/pytorch/bench_recsys.py")
for s in $suites; do
  [[ -n "${tg_bin[$s]:-}" ]] || { echo "bench-compare: unknown suite $s (ops, recsys)" >&2; exit 2; }
  if [[ ! -x "${tg_bin[$s]}" ]]; then
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTG_BUILD_BENCH=ON \
      -DTG_BUILD_TESTS=OFF -DTG_BUILD_EXAMPLES=OFF
    cmake --build "$build" -j2 --target "$(basename "${tg_bin[$s]}")"
  fi
done
py="$venv/bin/python"
[[ -x "$py" ]] || { echo "bench-compare: no $py; run scripts/bench-setup.sh first" >&2; exit 1; }

host="$(hostname -s)"
stamp="$(date +%Y-%m-%d)"
raw="$build/bench-raw/$host-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$raw" "$root/bench/results"
out="$root/bench/results/$host-$stamp$tag"
if [[ " $suites " == *" recsys "* && -z "${TG_DATA_DIR:-}" ]]; then
  export TG_DATA_DIR="$raw/synthetic-ml100k"
  "${tg_bin[recsys]}" --write_synthetic="$TG_DATA_DIR"
  echo "bench-compare: TG_DATA_DIR unset; recsys suite on synthetic data in $TG_DATA_DIR"
fi

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
  for s in $suites; do
    for ((r = 1; r <= reps; r++)); do
      run_tg() {
        echo "bench-compare: tapegrad $s, $t thread(s), repetition $r/$reps"
        OMP_NUM_THREADS=$t "${tg_bin[$s]}" --benchmark_filter="$filter" \
          --benchmark_min_time="$min_time" --benchmark_format=console \
          --benchmark_out_format=json --benchmark_out="$raw/tapegrad-$s-t$t-r$r.json" >/dev/null
      }
      run_pt() {
        echo "bench-compare: PyTorch $s, $t thread(s), repetition $r/$reps"
        local peak
        peak="$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["context"].get("fp32_peak_gflops", 0))' \
          "$raw/tapegrad-$s-t$t-r1.json")"
        OMP_NUM_THREADS=$t MKL_NUM_THREADS=$t "$py" "${pt_script[$s]}" \
          --benchmark_filter="$filter" --benchmark_min_time="$min_time" \
          --fp32_peak_gflops="$peak" --benchmark_out="$raw/pytorch-$s-t$t-r$r.json"
      }
      if ((r % 2)); then run_tg; run_pt; else run_pt; run_tg; fi
    done
  done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

"$py" "$root/bench/compare.py" "$raw" --md "$out.md" --png "$out.png" \
  --meta "date=$(date -Iseconds)" \
  --meta "tapegrad=git $git_hash, build: $tg_flags" \
  --meta "load average (1/5/15 min)=before $load_before, after $load_after (2 CPUs)"
if [[ -f "$out.png" ]]; then echo "bench-compare: wrote $out.md and $out.png"
else echo "bench-compare: wrote $out.md (no chart: no op was run at two or more sizes)"; fi
