// Activation clipping, one output lane (Protectable builds): holds the lane's calibrated bounds {hi, lo}, which the
// controller loads from the bias buffer once per output-channel tile, and clamps the requantized output to them
// while enabled. A fault that drives an activation beyond anything the network produced on its calibration
// images is cut back to the channel's bound instead of reaching the next layer at full size.
module fs_clip #(
  parameter int unsigned DataWidth = 8,
  parameter int unsigned Group     = 0
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,
  input  logic                   load_i,
  input  logic [2*DataWidth-1:0] bounds_i,  // {hi, lo}, signed
  input  logic                   en_i,
  input  logic [DataWidth-1:0]   value_i,
  output logic [DataWidth-1:0]   value_o,
  input  fs_pkg::ff_fault_t      ff_fault_i
);
  logic [2*DataWidth-1:0]      bounds_q;
  logic signed [DataWidth-1:0] lo, hi, value;

  // fs_ff itself, not FS_FF: the cost synthesis (sim/explore/cost_wrappers.sv) reads this file without includes.
  fs_ff #(.Width(2 * DataWidth), .Group(Group)) u_bounds (
    .clk_i, .rst_ni, .en_i(load_i), .d_i(bounds_i), .q_o(bounds_q), .fault_i(ff_fault_i));

  assign lo      = $signed(bounds_q[DataWidth-1:0]);
  assign hi      = $signed(bounds_q[2*DataWidth-1:DataWidth]);
  assign value   = $signed(value_i);
  // Below lo first, then above hi: the C++ models (ConvLayer::clipped) clamp in the same order, which decides
  // the result when a corrupted bound has lo > hi.
  assign value_o = !en_i ? value_i : value < lo ? lo : value > hi ? hi : value_i;
endmodule
