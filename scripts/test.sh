#!/usr/bin/env bash
# Builds flipsim and runs every check: RTL lint, all GoogleTest suites (RTL == golden, harness, CLI),
# the non-Verilated code again under AddressSanitizer + UBSan, and bounded fuzzing. Fails on the first error.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${FLIPSIM_BUILD_DIR:-build}
jobs=$(nproc)

echo "== configure ($build)"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFLIPSIM_BENCH=ON

# Lint and the RTL<->C++ contract need only the configure: they run before the long build.
echo "== RTL lint and package contract"
ctest --test-dir "$build" -L lint --output-on-failure

echo "== build ($build)"
cmake --build "$build" -j "$jobs"

echo "== tests"
ctest --test-dir "$build" -j "$jobs" --output-on-failure --timeout 900

# The accuracy suites (label "slow": thousands of images) already ran above; under ASan they only cost time.
echo "== AddressSanitizer + UBSan on the non-Verilated code"
cmake -S . -B "$build-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFLIPSIM_RTL=OFF -DFLIPSIM_SANITIZE=ON
cmake --build "$build-asan" -j "$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir "$build-asan" -j "$jobs" --output-on-failure --timeout 1800 --label-exclude slow

if [ -x tests/fuzz/run.sh ]; then
  echo "== fuzzing (bounded)"
  tests/fuzz/run.sh
fi
echo "== all checks passed"
