`include "fs_macros.svh"
// Weight-stationary processing element: holds one weight, passes activations right and partial sums down.
// In a Protectable build each register is an fs_ff_redundant whose redundancy prot_i chooses per class.
module fs_pe #(
  parameter int unsigned DataWidth   = 8,
  parameter int unsigned AccWidth    = 32,
  parameter int unsigned GroupBase   = 0,
  parameter bit          Protectable = 1'b0
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
  input  fs_pkg::prot_t               prot_i,
  output logic                        detected_o,
  output logic                        corrected_o,
  input  fs_pkg::ff_fault_t           fault_i
);
  logic signed [2*DataWidth-1:0] product;
  logic signed [AccWidth-1:0]    psum_d;
  logic [3:0]                    detected, corrected;

  assign product = act_i * w_o;
  // Two's-complement wrap at AccWidth is the defined accumulator behaviour (the golden model wraps too).
  assign psum_d  = psum_i + AccWidth'(product);

  // One register of the PE: INDEX its bit in detected/corrected, CLASS its field of prot_t.
`define _FS_PE_REG(NAME, INDEX, WIDTH, FIELD, CLASS, EN, D, Q) \
  `FS_FF_REDUNDANT(NAME, WIDTH, GroupBase + FIELD, EN, D, Q, prot_i.CLASS, prot_i.zero_on_detect, \
                   detected[INDEX], corrected[INDEX], fault_i)

  `_FS_PE_REG(weight, 0, DataWidth, fs_pkg::PeWeightField, pe_weight, wload_i, w_i, w_o)
  `_FS_PE_REG(act, 1, DataWidth, fs_pkg::PeActField, pe_act, 1'b1, act_i, act_o)
  `_FS_PE_REG(psum, 2, AccWidth, fs_pkg::PePsumField, pe_psum, 1'b1, psum_d, psum_o)
  `_FS_PE_REG(valid, 3, 1, fs_pkg::PeValidField, pe_valid, 1'b1, valid_i, valid_o)
`undef _FS_PE_REG

  assign detected_o  = |detected;
  assign corrected_o = |corrected;
  // The buffers' fields of prot_i, and in an unprotected build all of it, are not the PE's.
  logic unused_prot;
  assign unused_prot = ^prot_i;
endmodule
