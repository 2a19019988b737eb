#!/usr/bin/env bash
# scripts/bench-gemm-inprocess.sh — tg::mm vs at::mm (MKL) alternating in one process.
#
# Compiles bench/inprocess/gemm_vs_torch.cpp against the Release build's libtapegrad.a and the
# libtorch inside .venv-bench (scripts/bench-setup.sh), then runs it at each thread count. Use it
# for GEMM ratios on a shared machine, where separate processes minutes apart (bench-compare.sh)
# see different load. Bench only: PyTorch is never needed to build or test tapegrad.
#
# Usage: scripts/bench-gemm-inprocess.sh [--threads "1 2"] [--rounds 21] [--build-dir build]
#          [--venv .venv-bench] [--shapes NxKxM,...] [--json]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
threads="1 2"
rounds=21
build="$root/build"
venv="$root/.venv-bench"
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --build-dir) build="$2"; shift 2 ;;
    --venv) venv="$2"; shift 2 ;;
    --json) extra+=(--json); shift ;;
    --shapes) extra+=(--shapes "$2"); shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "bench-gemm-inprocess: unknown option $1" >&2; exit 2 ;;
  esac
done

torch_dir="$("$venv/bin/python" -c 'import os, torch; print(os.path.dirname(torch.__file__))' 2>/dev/null)" || {
  echo "bench-gemm-inprocess: no torch in $venv (run scripts/bench-setup.sh)" >&2; exit 1; }
if [[ ! -f "$build/libtapegrad.a" ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" -j2 --target tapegrad >/dev/null

# The link line of the library's own dependencies (CUDA when it was built with it, OpenMP).
libs=(-fopenmp -ldl -lpthread)
if grep -q '^TG_WITH_CUDA:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null ||
   grep -q 'TG_WITH_CUDA' "$build/compile_commands.json" 2>/dev/null; then
  cuda_lib="$(dirname "$(dirname "$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)")")/lib64"
  libs+=(-L"$cuda_lib" -lcudart -lcublas -Wl,-rpath,"$cuda_lib")
fi
bin="$build/bin/gemm_vs_torch"
mkdir -p "$build/bin"
echo "bench-gemm-inprocess: compiling $bin (libtorch from $torch_dir)"
g++ -O2 -std=c++20 -I"$root" -I"$build/include" -I"$torch_dir/include" \
  "$root/bench/inprocess/gemm_vs_torch.cpp" -o "$bin" "$build/libtapegrad.a" \
  -L"$torch_dir/lib" -ltorch_cpu -lc10 -Wl,-rpath,"$torch_dir/lib" "${libs[@]}"

echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), git $(git -C "$root" rev-parse --short HEAD), $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
for t in $threads; do
  OMP_NUM_THREADS="$t" "$bin" --threads "$t" --rounds "$rounds" "${extra[@]}"
done
