#!/usr/bin/env bash
# scripts/device-check.sh — the CUDA checks, run on the GPU machine (docs/cuda.md):
#   builds the CUDA backend for sm_90 with the dependencies from third_party_local/ (made here by
#   scripts/device-prepare.sh), runs tapegrad_cuda_tests (which must run, not skip), then the CUDA
#   benchmarks of tapegrad and PyTorch, and writes logs and results.md to $OUT.
# Budget: under 8 minutes in all (build ~3-4 min on 16 cores, tests ~1 min, benchmarks ~1 min);
# BUDGET_S (540 s) caps every step's timeout so that the whole run fits one 600 s device call.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/device-out}
mkdir -p "$OUT"
BUILD=${BUILD_DIR:-build-device}
JOBS=${JOBS:-16}
status=0
t0=$(date +%s)
log() { echo "[device-check +$(( $(date +%s) - t0 ))s] $*" | tee -a "$OUT/summary.txt"; }
# The device tool allows 600 s per call: every step's timeout is capped by what is left of
# BUDGET_S (default 540 s), and the recsys part is skipped when too little is left for it.
BUDGET_S=${BUDGET_S:-540}
left() { echo $(( BUDGET_S - ($(date +%s) - t0) )); }
cap() { local want=$1 l; l=$(( $(left) - 20 )); (( l < want )) && want=$l; (( want < 1 )) && want=1; echo "$want"; }

(nvidia-smi || true) > "$OUT/nvidia-smi.txt" 2>&1
prefix=$PWD/third_party_local
[[ -d $prefix/include/eigen3 ]] || { log "FAIL: $prefix missing: run scripts/device-prepare.sh and carry third_party_local"; exit 2; }
nvcc_bin=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null || true)
[[ -n $nvcc_bin ]] || { log "FAIL: nvcc not found"; exit 2; }
bench_flag=OFF
if [[ -n $(find /usr /usr/local -maxdepth 4 -name benchmarkConfig.cmake 2>/dev/null | head -1) ]]; then bench_flag=ON; fi

configure() {
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DTG_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
    -DCMAKE_CUDA_COMPILER="$nvcc_bin" -DCMAKE_PREFIX_PATH="$prefix" -DTG_WERROR=OFF \
    -DTG_BUILD_BENCH=$bench_flag -DTG_BUILD_CUDA_BENCH=ON -DTG_BUILD_EXAMPLES=OFF "$@"
}
log "configure (Google Benchmark: $bench_flag)"
if ! configure > "$OUT/configure.log" 2>&1; then
  log "configure failed with OpenMP; retrying without"
  configure -DTG_OPENMP=OFF >> "$OUT/configure.log" 2>&1 || { log "FAIL: configure (configure.log)"; exit 2; }
fi
log "build -j$JOBS"
if ! cmake --build "$BUILD" -j"$JOBS" --target tapegrad_cuda_tests tapegrad_bench_cuda > "$OUT/build.log" 2>&1; then
  tail -40 "$OUT/build.log"
  log "FAIL: build (build.log)"
  exit 2
fi

log "tapegrad_cuda_tests"
# --duration: each test case's time in the log, to see what a slow run spent its time on.
timeout "$(cap 240)" "$BUILD/bin/tapegrad_cuda_tests" --duration=true > "$OUT/cuda_tests.log" 2>&1
rc=$?
tail -5 "$OUT/cuda_tests.log"
if [[ $rc -eq 77 ]]; then
  log "FAIL: tapegrad_cuda_tests skipped (no CUDA device seen); on the device it must run"
  status=1
elif [[ $rc -ne 0 ]]; then
  log "FAIL: tapegrad_cuda_tests exit $rc (cuda_tests.log)"
  status=1
else
  log "PASS: tapegrad_cuda_tests"
fi

log "benchmarks: tapegrad"
timeout "$(cap 120)" "$BUILD/bin/tapegrad_bench_cuda" > "$OUT/bench_tapegrad.tsv" 2> "$OUT/bench_tapegrad.log" \
  || { log "tapegrad bench failed (bench_tapegrad.log)"; status=1; }
log "benchmarks: PyTorch"
timeout "$(cap 120)" python3 bench/pytorch/bench_cuda.py > "$OUT/bench_pytorch.tsv" 2> "$OUT/bench_pytorch.log" \
  || log "PyTorch bench failed (bench_pytorch.log)"
python3 - "$OUT" <<'PY' || log "could not write results.md"
import sys, pathlib
out = pathlib.Path(sys.argv[1])
def read(name):
    rows = {}
    p = out / name
    if p.exists():
        for line in p.read_text().splitlines():
            parts = line.split("\t")
            if len(parts) == 3:
                rows[parts[0]] = (float(parts[1]), parts[2])
    return rows
tg, pt = read("bench_tapegrad.tsv"), read("bench_pytorch.tsv")
lines = ["| workload | tapegrad | PyTorch | unit | tapegrad / PyTorch |", "|---|---:|---:|---|---:|"]
for k in list(tg) + [k for k in pt if k not in tg]:
    a, b = tg.get(k), pt.get(k)
    unit = (a or b)[1]
    ratio = f"{a[0] / b[0]:.2f}" if a and b and b[0] else "-"
    fa = f"{a[0]:.4g}" if a else "-"
    fb = f"{b[0]:.4g}" if b else "-"
    lines.append(f"| {k} | {fa} | {fb} | {unit} | {ratio} |")
(out / "results.md").write_text("\n".join(lines) + "\n")
print("\n".join(lines))
PY
# The recsys models on the GPU reach the CPU's accuracy (synthetic MovieLens-sized data: the
# GroupLens files may not be copied to other machines).
log "recsys: train on cpu and cuda"
if (( $(left) < 150 )); then
  log "FAIL: recsys skipped, only $(left) s of the ${BUDGET_S} s budget left (rerun with the tests done)"
  status=1
elif cmake --build "$BUILD" -j"$JOBS" --target tapegrad-recsys >> "$OUT/build.log" 2>&1; then
  rs="$BUILD/bin/tapegrad-recsys"
  "$rs" synth --dir "$BUILD/synth" --users 943 --items 1682 --ratings 100000 > /dev/null
  : > "$OUT/recsys.jsonl"
  for m in mf deep_mf wide_deep; do
    for d in cpu cuda; do
      timeout "$(cap 100)" "$rs" train --model $m --data "$BUILD/synth" --split u1 --device $d --json -q \
        >> "$OUT/recsys.jsonl" 2>> "$OUT/recsys.log" || { log "FAIL: recsys $m on $d (recsys.log)"; status=1; }
    done
  done
  python3 - "$OUT/recsys.jsonl" <<'PY' | tee -a "$OUT/summary.txt" || status=1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ok = True
for i in range(0, len(rows) - 1, 2):
    a, b = rows[i], rows[i + 1]
    diff = abs(a["rmse"] - b["rmse"])
    good = diff <= 0.01
    ok &= good
    print(f"recsys {a['model']}: RMSE cpu {a['rmse']:.4f} ({a['train_seconds']:.1f} s), "
          f"cuda {b['rmse']:.4f} ({b['train_seconds']:.1f} s): {'PASS' if good else 'FAIL'}")
sys.exit(0 if ok and len(rows) == 6 else 1)
PY
else
  log "FAIL: building tapegrad-recsys (build.log)"
  status=1
fi

log "done, status $status"
exit $status
