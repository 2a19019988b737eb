#!/usr/bin/env bash
# make_model_seeds.sh — safetensors seeds that are real model files: rating models trained for
# one epoch on the tiny synthetic dataset fuzz_safetensors loads models against (4 users, 25 items,
# 80 ratings, seed 1), so the fuzzer starts past the id checks, at the metadata and weights.
# Usage: tests/fuzz/seeds/make_model_seeds.sh PATH/TO/tapegrad-recsys
set -euo pipefail
bin="$1"
out="$(cd "$(dirname "${BASH_SOURCE[0]}")/../corpus/safetensors" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$bin" synth --dir "$tmp/tiny" --users 4 --items 25 --ratings 80 --seed 1 --format ml-100k >/dev/null
# wide_deep is left out: its cross-feature tables make a 1 MB file, too big for a fuzz seed.
for model in mf als deep_mf; do
  "$bin" train --data "$tmp/tiny" --model "$model" --split random --epochs 1 --dim 4 --quiet \
    --out "$out/seed-model-$model" >/dev/null
done
ls -la "$out"/seed-model-*
