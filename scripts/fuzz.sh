#!/usr/bin/env bash
# fuzz.sh — build the libFuzzer targets (clang, ASan + UBSan) and fuzz one parser, or minimize its
# committed corpus. See docs/fuzzing.md.
#
# Usage:
#   scripts/fuzz.sh TARGET [SECONDS]   fuzz TARGET (default 600 s) from tests/fuzz/corpus/TARGET;
#                                      new inputs go to $BUILD_DIR/tests/fuzz/work/TARGET, crashes
#                                      to $BUILD_DIR/tests/fuzz/artifacts/TARGET-crash-*
#   scripts/fuzz.sh --merge TARGET     minimize corpus/TARGET plus the work corpus into corpus/TARGET
#   scripts/fuzz.sh --list             the targets
# Environment: BUILD_DIR (default build-fuzz), JOBS (default 2), CXX (default clang++),
#              FUZZ_ARGS (extra libFuzzer flags, e.g. "-jobs=1 -only_ascii=1"), FUZZ_BUILD=0 (do not
#              rebuild first).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_dir="${BUILD_DIR:-build-fuzz}"
targets=(grouplens_100k grouplens_dat csv recbole safetensors cli)

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[[ $# -ge 1 ]] || usage
if [[ "$1" == "--list" ]]; then printf '%s\n' "${targets[@]}"; exit 0; fi
merge=0
if [[ "$1" == "--merge" ]]; then merge=1; shift; fi
target="${1:-}"
seconds="${2:-600}"
[[ " ${targets[*]} " == *" $target "* ]] || { echo "fuzz.sh: unknown target '$target'" >&2; usage; }

if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="${CXX:-clang++}" \
    -DTG_FUZZ=ON -DTG_SANITIZE=address,undefined -DTG_CUDA=OFF -DTG_BUILD_EXAMPLES=OFF \
    -DTG_WERROR=OFF >/dev/null  # clang warns where gcc (the -Werror CI compiler) does not
fi
# FUZZ_BUILD=0 fuzzes the binary as it is: for runs side by side (two builds of one tree at once
# would race) or while the sources are being edited.
if [[ "${FUZZ_BUILD:-1}" != 0 ]]; then
  cmake --build "$build_dir" -j "${JOBS:-2}" --target "fuzz_$target" >/dev/null
fi

bin="$build_dir/bin/fuzz_$target"
corpus="tests/fuzz/corpus/$target"
work="$build_dir/tests/fuzz/work/$target"
artifacts="$build_dir/tests/fuzz/artifacts"
mkdir -p "$corpus" "$work" "$artifacts"
dict=()
[[ -f "tests/fuzz/dict/$target.dict" ]] && dict=(-dict="tests/fuzz/dict/$target.dict")
read -r -a extra <<<"${FUZZ_ARGS:-}"

if [[ $merge == 1 ]]; then
  # The hand-written seeds (seed-*, readable names) all stay; -merge=1 then adds the smallest of
  # the other inputs (earlier finds and the work corpus) that together add coverage to them.
  fresh="$(mktemp -d)" found="$(mktemp -d)"
  trap 'rm -rf "$fresh" "$found"' EXIT
  cp "$corpus"/seed-* "$fresh"/ 2>/dev/null || true
  find "$corpus" -maxdepth 1 -type f ! -name 'seed-*' -exec cp {} "$found"/ \;
  "$bin" -merge=1 -use_counters=0 -timeout=10 -rss_limit_mb=2048 "$fresh" "$found" "$work"
  find "$corpus" -maxdepth 1 -type f ! -name 'seed-*' -delete
  find "$fresh" -maxdepth 1 -type f ! -name 'seed-*' -exec cp {} "$corpus"/ \;
  echo "fuzz.sh: $corpus now holds $(ls "$corpus" | wc -l) inputs, $(du -sh "$corpus" | cut -f1)"
  exit 0
fi

exec "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
  -print_final_stats=1 "${dict[@]}" -artifact_prefix="$artifacts/$target-" "${extra[@]}" \
  "$work" "$corpus"
