// Test-only (tests/rtl/protection_leaf_test.cpp): fs_ff_redundant with its 219-bit fault port split into the
// fields a test drives, so that the C++ side sets plain integers instead of packing fs_pkg::ff_fault_t.
module ff_redundant_wrap #(
  parameter int unsigned Width = 8,
  parameter int unsigned Group = 5
) (
  input  logic                               clk_i,
  input  logic                               rst_ni,
  input  logic                               en_i,
  input  logic [Width-1:0]                   d_i,
  output logic [Width-1:0]                   q_o,
  input  fs_pkg::redund_e                    redund_i,
  input  logic                               zero_on_detect_i,
  output logic                               detected_o,
  output logic                               corrected_o,
  input  logic                               fault_valid_i,
  input  logic [fs_pkg::FaultGroupWidth-1:0] fault_group_i,
  input  logic [1:0]                         fault_replica_i,
  input  logic [Width-1:0]                   fault_flip_i
);
  fs_pkg::ff_fault_t fault;

  always_comb begin
    fault           = '0;
    fault.valid     = fault_valid_i;
    fault.group     = fault_group_i;
    fault.replica   = fault_replica_i;
    fault.flip_mask = fs_pkg::FaultMaskWidth'(fault_flip_i);
  end

  fs_ff_redundant #(.Width(Width), .Group(Group)) u_dut (
    .clk_i, .rst_ni, .en_i, .d_i, .q_o, .redund_i, .zero_on_detect_i, .detected_o, .corrected_o,
    .fault_i(fault));
endmodule
