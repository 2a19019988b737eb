#!/usr/bin/env bash
# test.sh — install missing dependencies, build, and run every test through ctest: the doctest
# suite (one ctest entry per TEST_CASE) and the install checks (the installed package, used from
# CMake and pkg-config by examples/consumer). Prints ctest's summary; exits non-zero on failure.
#
# Usage: scripts/test.sh [extra cmake options]   e.g. for a sanitizer run:
#   BUILD_DIR=build-asan scripts/test.sh -DCMAKE_BUILD_TYPE=Debug -DTG_SANITIZE=address,undefined
# Environment: BUILD_DIR (default build), JOBS (default nproc), CTEST_ARGS (extra ctest options,
# e.g. "-R install").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/build.sh "$@"
build_dir="${BUILD_DIR:-build}"
read -r -a ctest_args <<<"${CTEST_ARGS:-}"
ctest --test-dir "$build_dir" --output-on-failure --timeout 900 -j "${JOBS:-$(nproc)}" \
  "${ctest_args[@]}"
