// RTL sources of fs_top in compile order (Verilator -f format), the one list that the Verilated builds
// (sim/CMakeLists.txt), the lint test and the benchmarks read. Paths are relative to this file's folder.
fs_pkg.sv
fs_ecc_pkg.sv
fs_ff.sv
fs_ff_redundant.sv
fs_ecc_encode.sv
fs_ecc_decode.sv
fs_pe.sv
fs_skew.sv
fs_array.sv
fs_sram.sv
fs_clip.sv
fs_ppu.sv
fs_host_lanes.sv
fs_ctrl.sv
fs_top.sv
