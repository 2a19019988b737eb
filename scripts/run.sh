#!/usr/bin/env bash
# run.sh — install missing dependencies, build, then run tapegrad's main job.
#
# Usage: scripts/run.sh   Environment: BUILD_DIR (default build), JOBS (default nproc).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/build.sh
build_dir="${BUILD_DIR:-build}"
bin="$build_dir/bin"

# ---- main job ------------------------------------------------------------------------------------
# Until the recsys module lands (Step 4) this is a tour of what exists: tensors and ops, then
# autograd once its tour is built. From Step 4 on: train and compare the models on MovieLens.
echo "== tensor tour (${bin}/tensor_tour)"
"$bin/tensor_tour"
if [[ -x "$bin/autograd_tour" ]]; then
  echo
  echo "== autograd tour (${bin}/autograd_tour)"
  "$bin/autograd_tour" "$build_dir/autograd_tour.dot"  # outputs go to the build folder, not the repo
fi
