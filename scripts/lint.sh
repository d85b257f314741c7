#!/usr/bin/env bash
# verilator --lint-only -Wall on fs_top for every shipped accelerator configuration.
set -euo pipefail
cd "$(dirname "$0")/.."
sources=(rtl/fs_pkg.sv rtl/fs_ff.sv rtl/fs_pe.sv rtl/fs_skew.sv rtl/fs_array.sv rtl/fs_sram.sv rtl/fs_ppu.sv
         rtl/fs_host_lanes.sv rtl/fs_ctrl.sv rtl/fs_top.sv)
for yaml in configs/accel/*.yaml; do
  params=()
  for pair in rows:Rows cols:Cols data_bits:DataWidth acc_bits:AccWidth abuf_depth:AbufDepth \
              wbuf_depth:WbufDepth bbuf_depth:BbufDepth accbuf_depth:AccbufDepth obuf_depth:ObufDepth; do
    value=$(sed -n "s/^  ${pair%%:*}: *\([0-9]*\).*/\1/p" "$yaml")
    [ -n "$value" ] && params+=("-G${pair##*:}=$value")
  done
  echo "lint: $yaml ${params[*]}"
  verilator --lint-only -Wall -Irtl --top-module fs_top "${params[@]}" "${sources[@]}"
done
