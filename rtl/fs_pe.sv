// Weight-stationary processing element: holds one weight, passes activations right and partial sums down.
module fs_pe #(
  parameter int unsigned DataWidth = 8,
  parameter int unsigned AccWidth  = 32,
  parameter int unsigned GroupBase = 0
) (
  input  logic                        clk_i,
  input  logic                        rst_ni,
  input  logic                        wload_i,   // shift weights down the column this cycle
  input  logic signed [DataWidth-1:0] w_i,
  output logic signed [DataWidth-1:0] w_o,
  input  logic signed [DataWidth-1:0] act_i,
  input  logic                        valid_i,
  output logic signed [DataWidth-1:0] act_o,
  output logic                        valid_o,
  input  logic signed [AccWidth-1:0]  psum_i,
  output logic signed [AccWidth-1:0]  psum_o,
  input  fs_pkg::ff_fault_t           fault_i
);
  logic signed [2*DataWidth-1:0] product;
  logic signed [AccWidth-1:0]    psum_d;

  assign product = act_i * w_o;
  // Two's-complement wrap at AccWidth is the defined accumulator behaviour (the golden model wraps too).
  assign psum_d  = psum_i + AccWidth'(product);

  fs_ff #(.Width(DataWidth), .Group(GroupBase + fs_pkg::PeWeightField)) u_weight (
    .clk_i, .rst_ni, .en_i(wload_i), .d_i(w_i), .q_o(w_o), .fault_i);
  fs_ff #(.Width(DataWidth), .Group(GroupBase + fs_pkg::PeActField)) u_act (
    .clk_i, .rst_ni, .en_i(1'b1), .d_i(act_i), .q_o(act_o), .fault_i);
  fs_ff #(.Width(AccWidth), .Group(GroupBase + fs_pkg::PePsumField)) u_psum (
    .clk_i, .rst_ni, .en_i(1'b1), .d_i(psum_d), .q_o(psum_o), .fault_i);
  fs_ff #(.Width(1), .Group(GroupBase + fs_pkg::PeValidField)) u_valid (
    .clk_i, .rst_ni, .en_i(1'b1), .d_i(valid_i), .q_o(valid_o), .fault_i);
endmodule
