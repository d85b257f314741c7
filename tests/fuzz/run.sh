#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in their own build directory and runs each for a bounded
# time on a small seed corpus. Usage: tests/fuzz/run.sh [SECONDS_PER_TARGET] (default 30). Exits non-zero on a finding.
set -euo pipefail
seconds="${1:-30}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${FLIPSIM_FUZZ_BUILD:-$repo/build-fuzz}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

flags="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -g"
cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" \
  -DFLIPSIM_RTL=OFF -DFLIPSIM_FUZZ=ON >/dev/null
cmake --build "$build" --target onnx_import_fuzz idx_fuzz fuzz_make_seeds

mkdir -p "$work/onnx" "$work/idx"
"$build/tests/fuzz/fuzz_make_seeds" "$work/onnx" "$work/idx"
# Shipped models seed the parser with real exporter output; libFuzzer truncates them to -max_len.
cp "$repo"/configs/networks/*.onnx "$work/onnx/" 2>/dev/null || true
dataset=/usr/share/datasets/fashion-mnist
if [[ -r $dataset/t10k-labels-idx1-ubyte.gz ]]; then
  cp "$dataset/t10k-labels-idx1-ubyte.gz" "$work/idx/labels.gz"
  head -c 4096 "$dataset/t10k-images-idx3-ubyte.gz" >"$work/idx/images-head.gz"
  gzip -dc "$dataset/t10k-labels-idx1-ubyte.gz" | head -c 2008 >"$work/idx/labels-head.idx" || true
fi

# UBSan reports are fatal; leak checking stays on (the importer must not leak on errors either).
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
for target in onnx_import idx; do
  echo "== ${target}_fuzz for ${seconds}s"
  corpus="$work/$([[ $target == idx ]] && echo idx || echo onnx)"
  if ! "$build/tests/fuzz/${target}_fuzz" "$corpus" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
      -timeout=10 -print_final_stats=1 -artifact_prefix="$work/${target}-" 2>"$work/${target}.log"; then
    status=1
    tail -60 "$work/${target}.log"
    mkdir -p "$repo/tests/fuzz/findings"
    cp "$work/${target}"-* "$repo/tests/fuzz/findings/" 2>/dev/null || true
    echo "== ${target}_fuzz FAILED; reproducer(s) in tests/fuzz/findings/"
  else
    grep -E "stat::number_of_executed_units|Done" "$work/${target}.log" | tail -2
  fi
done
exit "$status"
