// Synthesis-only tops for the protection cost (sim/explore/protection_cost.cpp): the RTL's own protection
// modules with an option's code or redundancy fixed by parameter, so that Yosys keeps only the circuit the
// option uses. Read with FS_NO_FAULT_PORT defined: the fault-injection hooks are not hardware.

// One buffer lane's encoder (write port) and decoder (read port).
module flipsim_cost_lane #(
  parameter int unsigned Width = 8,
  parameter int unsigned Code  = 0,  // fs_pkg::code_e
  parameter int unsigned Zero  = 0,  // zero_on_detect
  localparam int unsigned CheckWidth = fs_ecc_pkg::check_bits(Width)
) (
  input  logic [Width-1:0]      wdata_i,
  output logic [CheckWidth-1:0] wcheck_o,
  input  logic [Width-1:0]      rdata_i,
  input  logic [CheckWidth-1:0] rcheck_i,
  output logic [Width-1:0]      data_o,
  output logic                  detected_o,
  output logic                  corrected_o
);
  // Plain bits, not casts to the enum: Yosys reads no casts to a package's type.
  localparam logic [1:0] CodeBits = Code;
  fs_ecc_encode #(.Width(Width)) u_encode (.code_i(CodeBits), .data_i(wdata_i), .check_o(wcheck_o));
  fs_ecc_decode #(.Width(Width)) u_decode (
    .code_i(CodeBits), .zero_on_detect_i(Zero != 0), .data_i(rdata_i), .check_i(rcheck_i), .data_o,
    .detected_o, .corrected_o);
endmodule

// One PE register: the plain fs_ff (Redund 0) or fs_ff_redundant in one mode (copies it leaves unused vanish).
module flipsim_cost_register #(
  parameter int unsigned Width  = 8,
  parameter int unsigned Redund = 0,  // fs_pkg::redund_e
  parameter int unsigned Zero   = 0
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             en_i,
  input  logic [Width-1:0] d_i,
  output logic [Width-1:0] q_o,
  output logic             detected_o,
  output logic             corrected_o
);
  fs_pkg::ff_fault_t no_fault;
  assign no_fault = '0;
  if (Redund == 0) begin : g_plain
    fs_ff #(.Width(Width)) u_reg (.clk_i, .rst_ni, .en_i, .d_i, .q_o, .fault_i(no_fault));
    assign detected_o  = 1'b0;
    assign corrected_o = 1'b0;
  end else begin : g_redundant
    localparam logic [2:0] RedundBits = Redund;
    fs_ff_redundant #(.Width(Width)) u_reg (
      .clk_i, .rst_ni, .en_i, .d_i, .q_o, .redund_i(RedundBits), .zero_on_detect_i(Zero != 0),
      .detected_o, .corrected_o, .fault_i(no_fault));
  end
endmodule

// One output lane's activation clipping: its bounds register and clamp (fs_clip).
module flipsim_cost_clip #(
  parameter int unsigned Width = 8
) (
  input  logic               clk_i,
  input  logic               rst_ni,
  input  logic               load_i,
  input  logic [2*Width-1:0] bounds_i,
  input  logic               en_i,
  input  logic [Width-1:0]   value_i,
  output logic [Width-1:0]   value_o
);
  fs_pkg::ff_fault_t no_fault;
  assign no_fault = '0;
  fs_clip #(.DataWidth(Width)) u_clip (
    .clk_i, .rst_ni, .load_i, .bounds_i, .en_i, .value_i, .value_o, .ff_fault_i(no_fault));
endmodule
