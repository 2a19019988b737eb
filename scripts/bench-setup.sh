#!/usr/bin/env bash
# scripts/bench-setup.sh — creates .venv-bench with PyTorch (CPU), numpy and matplotlib.
#
# Only for the PyTorch side of the benchmarks (bench/pytorch/, scripts/bench-compare.sh); nothing
# here is needed to build or test tapegrad. Only PyPI is reachable from our machines (not the
# PyTorch CPU wheel index), and PyPI's Linux torch wheel is the CUDA build: it pulls ~4 GB of
# nvidia-*/cuda-* packages and triton (the venv is ~5.5 GB). A lean `pip install --no-deps torch`
# does not work: libtorch_cuda.so is linked at import time ("ImportError: libcufile.so.0" with
# torch 2.15.0), so we install the wheel with its dependencies. It runs fine on a CPU-only machine
# (MKL for BLAS, AVX-512 kernels on CPUs that have them).
#
# Usage: scripts/bench-setup.sh [venv-dir]    (default: .venv-bench in the repo root, git-ignored)
#        TG_TORCH_VERSION=2.x.y pins the torch version.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${1:-$root/.venv-bench}"
torch_spec="torch${TG_TORCH_VERSION:+==$TG_TORCH_VERSION}"
py="${PYTHON:-python3}"

if [[ ! -x "$venv/bin/python" ]]; then
  echo "bench-setup: creating $venv"
  "$py" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip install --quiet --prefer-binary)

"${pip[@]}" --upgrade pip >/dev/null
"${pip[@]}" numpy matplotlib

"${pip[@]}" "$torch_spec"

"$venv/bin/python" - <<'PY'
import torch, numpy, matplotlib
print(f"bench-setup: torch {torch.__version__}, numpy {numpy.__version__}, "
      f"matplotlib {matplotlib.__version__}")
print(torch.__config__.show())
print(f"bench-setup: torch threads {torch.get_num_threads()}, "
      f"MKL {torch.backends.mkl.is_available()}, MKLDNN {torch.backends.mkldnn.is_available()}")
PY
