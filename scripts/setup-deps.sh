#!/usr/bin/env bash
# setup-deps.sh — install the Debian packages tapegrad builds with, only those that are missing.
#
# Idempotent and quiet: prints nothing when everything is already installed, runs `apt-get update`
# only when something must be installed. Works as root; otherwise uses sudo when it is available.
# The CUDA toolkit is optional and never installed here (TG_CUDA=AUTO uses nvcc when it finds it).
set -euo pipefail

packages=(
  cmake g++ pkg-config ccache  # toolchain
  libeigen3-dev                # CPU GEMM (header-only, used only inside kernels/)
  doctest-dev                  # tests
  libbenchmark-dev             # bench/
  nlohmann-json3-dev           # recsys: configs and results
  libcli11-dev                 # recsys: command line
  libopenblas0-pthread         # optional GEMM backend, dlopen'ed at run time (gemm_backend.h)
)

is_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == "installed" ]]
}

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-deps: not a Debian/Ubuntu system; install these yourself: ${packages[*]}" >&2
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  is_installed "$p" || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

as_root=()
if ((EUID != 0)); then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "setup-deps: missing ${missing[*]}; run as root or install sudo" >&2
    exit 1
  fi
fi

echo "setup-deps: installing ${missing[*]}"
apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq -o=Dpkg::Use-Pty=0)
"${apt[@]}" update >/dev/null
"${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null
