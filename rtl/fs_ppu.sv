`include "fs_macros.svh"
// Post-processing unit: registers one row of accumulators, then requantizes each lane combinationally:
//   y = sat( ((acc * mult + 2^(shift-1)) >>> shift) + zero_point ), clamped at zero_point when relu is set.
// The product is kept exact (AccWidth + 33 bits), so rounding is half up on the exact value. With Clip (Protectable
// builds) each lane's output then passes an fs_clip, enabled by clip_en_i and loaded by clip_load_i.
module fs_ppu #(
  parameter int unsigned Lanes     = 8,
  parameter int unsigned DataWidth = 8,
  parameter int unsigned AccWidth  = 32,
  parameter int unsigned AddrWidth = 20,
  parameter bit          Clip      = 1'b0
) (
  input  logic                              clk_i,
  input  logic                              rst_ni,
  input  logic                              valid_i,
  input  logic [AddrWidth-1:0]              addr_i,
  input  logic [Lanes-1:0][AccWidth-1:0]    acc_i,
  input  logic [31:0]                       mult_i,
  input  logic [5:0]                        shift_i,
  input  logic [31:0]                       zero_i,
  input  logic                              relu_i,
  input  logic                              clip_en_i,
  input  logic                              clip_load_i,
  input  logic [Lanes-1:0][2*DataWidth-1:0] clip_bounds_i,
  output logic                              valid_o,
  output logic [AddrWidth-1:0]              addr_o,
  output logic [Lanes-1:0][DataWidth-1:0]   data_o,
  input  fs_pkg::ff_fault_t                 ff_fault_i
);
  import fs_pkg::*;

  localparam int unsigned ProdWidth = AccWidth + 33;
  localparam logic signed [ProdWidth-1:0] MaxOut = ProdWidth'((1 << (DataWidth - 1)) - 1);
  localparam logic signed [ProdWidth-1:0] MinOut = -ProdWidth'(1 << (DataWidth - 1));

  logic                   valid_q;
  logic [AddrWidth-1:0]   addr_q;

  // Observation taps: campaigns read the PPU's inputs through Verilator's symbol table to tell where a fault
  // that reached the accumulators was masked (rounding, ReLU, saturation). No logic reads them.
  logic                       obs_valid /* verilator public_flat_rd */;
  logic [AddrWidth-1:0]       obs_addr /* verilator public_flat_rd */;
  logic [Lanes*AccWidth-1:0]  obs_acc /* verilator public_flat_rd */;
  assign obs_valid = valid_q;
  assign obs_addr  = addr_q;

  `FS_FF(valid, 1, GroupPpu + PpuAccOffset + Lanes + PpuValidPastLanes, 1'b1, valid_i)
  `FS_FF(addr, AddrWidth, GroupPpu + PpuAccOffset + Lanes + PpuAddrPastLanes, 1'b1, addr_i)

  for (genvar lane = 0; lane < Lanes; lane++) begin : g_lane
    logic [AccWidth-1:0]          acc_q;
    logic signed [ProdWidth-1:0]  product, rounded, shifted, offset, clamped;
    logic [DataWidth-1:0]         saturated;

    `FS_FF(acc, AccWidth, GroupPpu + PpuAccOffset + lane, valid_i, acc_i[lane])
    assign obs_acc[lane * AccWidth +: AccWidth] = acc_q;

    assign product = ProdWidth'($signed(acc_q)) * ProdWidth'($signed({1'b0, mult_i[30:0]}));
    assign rounded = (shift_i == 6'd0) ? product
                                       : product + (ProdWidth'(1) <<< (shift_i - 6'd1));
    assign shifted = rounded >>> shift_i;
    assign offset  = shifted + ProdWidth'($signed(zero_i));
    assign clamped = (relu_i && offset < ProdWidth'($signed(zero_i))) ? ProdWidth'($signed(zero_i))
                                                                       : offset;
    assign saturated = clamped > MaxOut ? DataWidth'(MaxOut)
                     : clamped < MinOut ? DataWidth'(MinOut)
                     : DataWidth'(clamped);
    if (Clip) begin : g_clip
      fs_clip #(.DataWidth(DataWidth), .Group(GroupPpu + PpuClipOffset + lane)) u_clip (
        .clk_i, .rst_ni, .load_i(clip_load_i), .bounds_i(clip_bounds_i[lane]), .en_i(clip_en_i),
        .value_i(saturated), .value_o(data_o[lane]), .ff_fault_i);
    end else begin : g_no_clip
      assign data_o[lane] = saturated;
    end
  end

  if (!Clip) begin : g_clip_unused
    logic unused_clip;
    assign unused_clip = ^{clip_en_i, clip_load_i, clip_bounds_i};
  end

  assign valid_o = valid_q;
  assign addr_o  = addr_q;

  logic unused_mult;
  assign unused_mult = mult_i[31];
endmodule
