#!/usr/bin/env bash
# Runs the layer benchmark through both drivers on 8x8 and 16x16, back to back, and prints a Markdown table
# with the SystemC/plain ratio measured in this one run.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${FLIPSIM_BUILD_DIR:-build}
repeats=${1:-20}
cmake --build "$build" --target bench_layer_sc bench_layer_sc_noport bench_layer_plain >/dev/null
echo "| array | driver | cycles/s | utilization | wall s | mismatches |"
echo "|---|---|---|---|---|---|"
for accel in default bench_16x16; do
  sc=$("$build/tests/bench/bench_layer_sc" configs/accel/$accel.yaml "$repeats")
  plain=$("$build/tests/bench/bench_layer_plain" configs/accel/$accel.yaml "$repeats")
  for json in "$sc" "$plain"; do
    /usr/bin/python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print("| %s | %s | %.0f | %.3f | %.2f | %d |" % (r["accelerator"], r["driver"], r["cycles_per_second"], r["utilization"], r["wall_seconds"], r["mismatches"]))' "$json"
  done
  /usr/bin/python3 -c 'import json,sys; a=json.loads(sys.argv[1]); b=json.loads(sys.argv[2]); print("| %s | SystemC / plain speed | %.2f | | | |" % (a["accelerator"], a["cycles_per_second"]/b["cycles_per_second"]))' "$sc" "$plain"
done
# The fault port's cost: the same plain loop on RTL built with and without it (+define+FS_NO_FAULT_PORT).
with=$("$build/tests/bench/bench_layer_plain" configs/accel/default.yaml "$repeats")
without=$("$build/tests/bench/bench_layer_plain" configs/accel/default.yaml "$repeats" --no-fault-port)
for json in "$with" "$without"; do
  /usr/bin/python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print("| %s | %s | %.0f | %.3f | %.2f | %d |" % (r["accelerator"], r["driver"], r["cycles_per_second"], r["utilization"], r["wall_seconds"], r["mismatches"]))' "$json"
done
/usr/bin/python3 -c 'import json,sys; a=json.loads(sys.argv[1]); b=json.loads(sys.argv[2]); print("| %s | with port / without port speed | %.2f | | | |" % (a["accelerator"], a["cycles_per_second"]/b["cycles_per_second"]))' "$with" "$without"
sc_with=$("$build/tests/bench/bench_layer_sc" configs/accel/default.yaml "$repeats")
sc_without=$("$build/tests/bench/bench_layer_sc_noport" configs/accel/default.yaml "$repeats")
/usr/bin/python3 -c 'import json,sys; a=json.loads(sys.argv[1]); b=json.loads(sys.argv[2]); print("| %s | SystemC: %.0f with port, %.0f without | %.2f | | | |" % (a["accelerator"], a["cycles_per_second"], b["cycles_per_second"], a["cycles_per_second"]/b["cycles_per_second"]))' "$sc_with" "$sc_without"
