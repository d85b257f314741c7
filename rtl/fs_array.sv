// Rows x Cols weight-stationary systolic array with input skew and output deskew.
// Row r multiplies input channel r of the current K tile; column c produces output channel c of the N tile.
module fs_array #(
  parameter int unsigned Rows      = 8,
  parameter int unsigned Cols      = 8,
  parameter int unsigned DataWidth = 8,
  parameter int unsigned AccWidth  = 32,
  parameter bit          Protectable = 1'b0
) (
  input  logic                                clk_i,
  input  logic                                rst_ni,
  input  logic                                wload_i,
  input  logic [Cols-1:0][DataWidth-1:0]      w_i,      // enters the top row, shifts down one row per load
  input  logic [Rows-1:0][DataWidth-1:0]      act_i,    // one pixel's K-tile, all lanes in the same cycle
  input  logic                                valid_i,
  output logic [Cols-1:0][AccWidth-1:0]       psum_o,   // one pixel's N-tile, deskewed
  output logic                                valid_o,
  input  fs_pkg::prot_t                       prot_i,
  output logic                                detected_o,   // some PE register's redundancy, this cycle
  output logic                                corrected_o,
  input  fs_pkg::ff_fault_t                   fault_i
);
  import fs_pkg::*;

  logic [Rows-1:0][DataWidth-1:0] act_skewed;
  logic [Rows-1:0]                valid_skewed;
  logic [Rows-1:0][Cols:0][DataWidth-1:0] act;     // act[r][c] enters PE[r][c]
  logic [Rows-1:0][Cols:0]                valid;
  logic [Rows:0][Cols-1:0][AccWidth-1:0]  psum;    // psum[r][c] enters PE[r][c]
  logic [Rows:0][Cols-1:0][DataWidth-1:0] weight;  // weight[r][c] enters PE[r][c]
  logic [Cols-1:0]                        bottom_valid;
  logic [Cols-1:0]                        deskew_valid;
  logic [Rows-1:0][Cols-1:0]              pe_detected, pe_corrected;

  fs_skew #(.Lanes(Rows), .Width(DataWidth), .Reverse(1'b0), .GroupBase(GroupEdge)) u_skew (
    .clk_i, .rst_ni, .data_i(act_i), .valid_i({Rows{valid_i}}), .data_o(act_skewed),
    .valid_o(valid_skewed), .fault_i);

  for (genvar r = 0; r < Rows; r++) begin : g_row
    assign act[r][0]   = act_skewed[r];
    assign valid[r][0] = valid_skewed[r];
    for (genvar c = 0; c < Cols; c++) begin : g_col
      fs_pe #(
        .DataWidth(DataWidth), .AccWidth(AccWidth),
        .GroupBase(GroupPe + (r * Cols + c) * PeGroups), .Protectable(Protectable)
      ) u_pe (
        .clk_i, .rst_ni, .wload_i,
        .w_i(weight[r][c]), .w_o(weight[r+1][c]),
        .act_i(act[r][c]), .valid_i(valid[r][c]), .act_o(act[r][c+1]), .valid_o(valid[r][c+1]),
        .psum_i(psum[r][c]), .psum_o(psum[r+1][c]),
        .prot_i, .detected_o(pe_detected[r][c]), .corrected_o(pe_corrected[r][c]),
        .fault_i
      );
    end
  end

  for (genvar c = 0; c < Cols; c++) begin : g_edge
    assign weight[0][c]    = w_i[c];
    assign psum[0][c]      = '0;
    // The activation leaving row Rows-1 at column c travels with that column's finished partial sum.
    assign bottom_valid[c] = valid[Rows-1][c+1];
  end

  fs_skew #(.Lanes(Cols), .Width(AccWidth), .Reverse(1'b1), .GroupBase(GroupEdge + Rows * Rows)) u_deskew (
    .clk_i, .rst_ni, .data_i(psum[Rows]), .valid_i(bottom_valid), .data_o(psum_o),
    .valid_o(deskew_valid), .fault_i);

  assign valid_o     = deskew_valid[0];
  assign detected_o  = |pe_detected;
  assign corrected_o = |pe_corrected;

  // Weights leaving the bottom row, activations leaving the last column and the other columns' valid
  // bits are dropped by design.
  logic unused_edges;
  always_comb begin
    unused_edges = ^{weight[Rows], deskew_valid[Cols-1:1]};
    for (int r = 0; r < Rows; r++) unused_edges ^= ^{act[r][Cols], valid[r][Cols]};
  end
endmodule
