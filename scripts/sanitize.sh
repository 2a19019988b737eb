#!/usr/bin/env bash
# sanitize.sh — build tapegrad with a sanitizer and run tests under it, as CI does (.ci/run).
#
# Usage: scripts/sanitize.sh address|thread [extra cmake options]
#   address  AddressSanitizer + UndefinedBehaviorSanitizer (-O1 -g1, LeakSanitizer at exit): the
#            doctest suite, the examples and the fuzz corpus replays, except what the release
#            step already covers and only costs minutes here: the install.* packaging checks and
#            the two accuracy tests that train on the real ML-100K (see the ctest call below;
#            ASAN_ALL=1 runs those too). Into build-asan.
#   thread   ThreadSanitizer (-O1 -g1, TG_OPENMP=OFF): the test cases that start threads:
#            tests/test_concurrency.cpp (8 threads on one shared model, concurrent training of
#            distinct models), the prefetching BatchIterator, grad mode in a new thread,
#            set_num_threads per thread. Only those test files are compiled (TG_TEST_FILTER).
#            With OpenMP off nothing else in tapegrad starts a thread, and TSan reports only
#            races between threads, so the rest of the suite adds time but no coverage;
#            TSAN_ALL=1 builds and runs the whole doctest suite anyway. Into build-tsan.
# Both build with TG_CUDA=OFF: nvcc-compiled code is not instrumented and the sanitizer runtimes
# interfere with the CUDA driver. TSan builds without OpenMP because libgomp is not
# TSan-instrumented: its barriers are invisible to TSan, which would then report every parallel
# loop as a race (false positives); the OpenMP regions are covered by ASan/UBSan and by the
# bitwise 1-vs-2-thread determinism tests instead.
# Environment: BUILD_DIR (default build-asan / build-tsan), JOBS (default nproc), CTEST_ARGS (extra
# ctest options, e.g. "-R concurrency"), ASAN_ALL=1 / TSAN_ALL=1 (no test left out).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

kind="${1:-}"
shift || true
case "$kind" in
  address)
    build_dir="${BUILD_DIR:-build-asan}"
    cmake_args=(-DTG_SANITIZE=address,undefined)
    # What the ctest entries below run; not the CUDA tests (with TG_CUDA=OFF they only skip) and
    # not the install package (install.* checks packaging, the same with or without sanitizers:
    # the release step runs them).
    targets=(tapegrad_tests tapegrad-recsys)
    for f in examples/*.cpp; do targets+=("$(basename "$f" .cpp)"); done  # each is a ctest entry
    for t in $(scripts/fuzz.sh --list); do targets+=("fuzz_replay_$t"); done
    [[ "${ASAN_ALL:-0}" == 1 ]] && targets=(all)
    # allocator_may_return_null: a huge request returns null (the library turns it into tg::Error,
    # tests/test_oom.cpp) instead of ASan aborting. detect_leaks: LeakSanitizer at exit.
    asan="allocator_may_return_null=1:detect_leaks=1:strict_string_checks=1"
    asan+=":detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1"
    export ASAN_OPTIONS="$asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
    ;;
  thread)
    build_dir="${BUILD_DIR:-build-tsan}"
    cmake_args=(-DTG_SANITIZE=thread -DTG_OPENMP=OFF -DTG_BUILD_EXAMPLES=OFF)
    # Only the test files with threads are compiled (TSAN_ALL=1: all of them).
    if [[ "${TSAN_ALL:-0}" != 1 ]]; then
      cmake_args+=("-DTG_TEST_FILTER=test_(concurrency|recsys_data_batch|autograd_engine|hardening_[a-z_]+)\\.cpp")
    else
      cmake_args+=(-DTG_TEST_FILTER=)
    fi
    targets=(tapegrad_tests)
    export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
    ;;
  *)
    echo "usage: scripts/sanitize.sh address|thread [extra cmake options]" >&2
    exit 2
    ;;
esac

scripts/setup-deps.sh
# Matmul runs our own code here unless asked otherwise, never the uninstrumented OpenBLAS (which
# tests/test_gemm_backend.cpp still runs): tapegrad's packed kernel where the CPU has AVX2+FMA
# or AVX-512 (as `auto` would pick; measured a little faster than Eigen under ASan), else Eigen.
gemm_default=eigen
if grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo; then
  gemm_default=tapegrad
fi
export TG_GEMM="${TG_GEMM:-$gemm_default}"
# -O1: ASan's own docs recommend it (reasonable speed, exact reports); plain Debug (-O0) makes the
# training tests several times slower. -g1 (line tables only) gives reports file:line, and
# compiles ~35% faster than -g in the Eigen-heavy kernels (measured on kernels/cpu/gemm.cpp).
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
  -DTG_CUDA=OFF -DTG_WERROR=ON -DTG_BUILD_BENCH=OFF "${cmake_args[@]}" "$@"
cmake --build "$build_dir" -j "${JOBS:-$(nproc)}" --target "${targets[@]}"

read -r -a ctest_args <<<"${CTEST_ARGS:-}"
if [[ "$kind" == address ]]; then
  # Left to the release step (ASAN_ALL=1 runs them here too): install.* and cuda.* (not built, see
  # above) and the two accuracy tests that train on the real ML-100K for minutes under ASan
  # (40 s + 7 s in Release, about 10x that here). The code they run (MF, ALS, BPR-MF, NeuMF
  # training and evaluation) runs under ASan in the tiny-data tests; loading ML-100K still does.
  if [[ "${ASAN_ALL:-0}" != 1 ]]; then
    slow='^(install\.|cuda\.|recsys ranking real data: |recsys models: .* on the real ML-100K)'
    ctest_args=(-E "$slow" "${ctest_args[@]}")
  fi
fi
if [[ "$kind" == thread ]]; then
  # Only the doctest suite is built; the install checks, examples and fuzz replays are not.
  if [[ "${TSAN_ALL:-0}" == 1 ]]; then
    ctest_args=(-E '^(install|example|fuzz|cuda)\.' "${ctest_args[@]}")
  else
    threaded='^(concurrency: |recsys batch: |autograd engine: NoGradGuard|hardening: set_num_threads)'
    ctest_args=(-R "$threaded" "${ctest_args[@]}")
  fi
fi
ctest --test-dir "$build_dir" --output-on-failure --timeout 1200 -j "${JOBS:-$(nproc)}" \
  "${ctest_args[@]}"
