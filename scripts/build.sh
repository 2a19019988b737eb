#!/usr/bin/env bash
# build.sh — install missing dependencies, then configure and build tapegrad (Release, warnings as
# errors). test.sh and run.sh start with it; use it alone to just build.
#
# Usage: scripts/build.sh [extra cmake options, e.g. -DTG_SANITIZE=address,undefined]
# Environment: BUILD_DIR (default build, relative to the repository root), JOBS (default nproc).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup-deps.sh
build_dir="${BUILD_DIR:-build}"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DTG_WERROR=ON "$@"
cmake --build "$build_dir" -j "${JOBS:-$(nproc)}"
