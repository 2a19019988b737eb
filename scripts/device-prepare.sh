#!/usr/bin/env bash
# scripts/device-prepare.sh — run HERE (on a machine with the Debian packages) before a device
# check: copies the header-only dependencies (Eigen, doctest, CLI11, nlohmann-json) with their
# CMake package files into third_party_local/ (git-ignored), a prefix that
# scripts/device-check.sh hands to CMake on the GPU machine, which has none of them.
# The device tool then carries the folder: carry ["third_party_local"].
set -euo pipefail
cd "$(dirname "$0")/.."
dst=third_party_local
rm -rf "$dst"
mkdir -p "$dst/include" "$dst/share/cmake" "$dst/share/eigen3" "$dst/lib/cmake"
for h in eigen3 doctest CLI nlohmann; do
  [[ -d /usr/include/$h ]] || { echo "device-prepare: /usr/include/$h missing (scripts/setup-deps.sh)" >&2; exit 1; }
  cp -r "/usr/include/$h" "$dst/include/"
done
cp -r /usr/share/eigen3/cmake "$dst/share/eigen3/"
cp -r /usr/share/cmake/CLI11 /usr/share/cmake/nlohmann_json "$dst/share/cmake/"
cp -r /usr/lib/cmake/doctest "$dst/lib/cmake/"
# Debian's doctest package file hard-codes /usr: make it relative to its own place.
sed -i 's|set(_IMPORT_PREFIX "/usr")|get_filename_component(_IMPORT_PREFIX "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)|' \
  "$dst/lib/cmake/doctest/doctestTargets.cmake"
echo "device-prepare: $(du -sh "$dst" | cut -f1) in $dst"
