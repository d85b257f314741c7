#!/usr/bin/env bash
# Builds flipsim and runs its main job: the quickstart RTL fault campaign (LeNet-5 int8 on the 8x8 array,
# Fashion-MNIST), then its report. Extra arguments go to `flipsim campaign` (e.g. --workers 1, --json).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${FLIPSIM_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$(nproc)" --target flipsim
mkdir -p results
# A fresh database each time: re-running `flipsim campaign` on an existing one resumes it instead.
rm -f results/quickstart.db results/quickstart.db-wal results/quickstart.db-shm
"$build/cli/flipsim" campaign configs/campaigns/quickstart.yaml --db results/quickstart.db "$@"
"$build/cli/flipsim" report results/quickstart.db --csv results/quickstart.csv --plots results/quickstart
