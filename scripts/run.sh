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
# Train and compare the models on MovieLens-100K (GroupLens split u1: train on u1.base with a 5%
# validation part for early stopping, report on u1.test), then show recommendations for one user.
# The data comes from TG_DATA_DIR, else ../shared/data/ml-100k, else it is fetched into data/.
data="${TG_DATA_DIR:-}"
if [[ -z "$data" && -d ../shared/data/ml-100k ]]; then data="$(cd ../shared/data/ml-100k && pwd)"; fi
if [[ -z "$data" ]]; then
  echo "== fetching MovieLens-100K into data/ (GroupLens; offline: PyPI's recbole wheel)"
  data="$("$bin/tapegrad-recsys" fetch --dataset ml-100k --dir data)"
fi
# The GroupLens copy has the u1..u5 files; the RecBole copy (offline fetch) does not: use a seeded
# random 80/20 split there.
split=u1
if [[ ! -f "$data/u1.base" ]]; then split=random; fi
models_dir="$build_dir/models"
mkdir -p "$models_dir"
echo "== tapegrad-recsys compare --data $data --split $split"
"$bin/tapegrad-recsys" compare --data "$data" --split "$split" --save-dir "$models_dir"
echo
echo "== tapegrad-recsys recommend --user 1 --k 10 (biased MF)"
"$bin/tapegrad-recsys" recommend --data "$data" --model-file "$models_dir/mf.safetensors" --user 1 --k 10
