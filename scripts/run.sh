#!/usr/bin/env bash
# Builds flipsim and runs its main job on the embedded default.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${FLIPSIM_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$(nproc)" --target flipsim
"$build/cli/flipsim" gemm --m 64 --k 100 --n 40 "$@"
