// Packs buffer lanes into host-port beats: one 64-bit beat carries floor(64 / LaneWidth) consecutive lanes,
// starting at the lane named in the address.
module fs_host_lanes #(
  parameter int unsigned Lanes     = 8,
  parameter int unsigned LaneWidth = 8,
  localparam int unsigned PerBeat  = fs_pkg::HostDataWidth / LaneWidth
) (
  input  logic [fs_pkg::HostLaneWidth-1:0] wlane_i,
  input  logic [fs_pkg::HostDataWidth-1:0] wdata_i,
  output logic [Lanes-1:0]                 wmask_o,
  output logic [Lanes-1:0][LaneWidth-1:0]  wdata_o,
  input  logic [fs_pkg::HostLaneWidth-1:0] rlane_i,
  input  logic [Lanes-1:0][LaneWidth-1:0]  rdata_i,
  output logic [fs_pkg::HostDataWidth-1:0] rdata_o
);
  import fs_pkg::*;

  for (genvar lane = 0; lane < Lanes; lane++) begin : g_write
    logic [31:0] slot;
    assign slot          = 32'(lane) - 32'(wlane_i);
    assign wmask_o[lane] = 32'(lane) >= 32'(wlane_i) && slot < PerBeat;
    assign wdata_o[lane] = LaneWidth'(wdata_i >> (slot[5:0] * LaneWidth));
  end

  always_comb begin
    rdata_o = '0;
    for (int slot = 0; slot < PerBeat; slot++) begin
      if (32'(rlane_i) + 32'(slot) < Lanes) begin
        rdata_o[slot * LaneWidth +: LaneWidth] = rdata_i[32'(rlane_i) + 32'(slot)];
      end
    end
  end
endmodule
