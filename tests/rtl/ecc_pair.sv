// Test-only (tests/rtl/protection_leaf_test.cpp): fs_ecc_encode feeding fs_ecc_decode through a stored codeword
// {check, data} that flip_i upsets, so that a test can put every error pattern through both halves of the code.
module ecc_pair #(
  parameter int unsigned Width = 8,
  localparam int unsigned CheckWidth = fs_ecc_pkg::check_bits(Width)
) (
  input  fs_pkg::code_e                 code_i,
  input  logic                          zero_on_detect_i,
  input  logic [Width-1:0]              data_i,
  input  logic [CheckWidth+Width-1:0]   flip_i,   // XORed into the codeword: data in [Width-1:0], check above
  output logic [CheckWidth-1:0]         check_o,  // what the encoder stores, before the flips
  output logic [Width-1:0]              data_o,
  output logic                          detected_o,
  output logic                          corrected_o
);
  logic [CheckWidth+Width-1:0] stored;

  fs_ecc_encode #(.Width(Width)) u_encode (.code_i, .data_i, .check_o);
  assign stored = {check_o, data_i} ^ flip_i;
  fs_ecc_decode #(.Width(Width)) u_decode (
    .code_i, .zero_on_detect_i, .data_i(stored[Width-1:0]), .check_i(stored[CheckWidth+Width-1:Width]),
    .data_o, .detected_o, .corrected_o);
endmodule
