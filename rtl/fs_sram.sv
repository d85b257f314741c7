// Simple dual-port SRAM (one read port, one write port) with per-lane write enables and a one-cycle read
// latency. Every on-chip buffer is an instance of this module. The fault port XORs a mask into one stored
// word; the flip persists until the word is rewritten.
module fs_sram #(
  parameter int unsigned Depth     = 1024,
  parameter int unsigned Lanes     = 8,
  parameter int unsigned LaneWidth = 8,
  parameter fs_pkg::buffer_e BufferId = fs_pkg::BufAbuf,
  localparam int unsigned AddrWidth = $clog2(Depth),
  localparam int unsigned LsbWidth  = $clog2(Lanes * LaneWidth)
) (
  input  logic                              clk_i,
  input  logic                              we_i,
  input  logic [AddrWidth-1:0]              waddr_i,
  input  logic [Lanes-1:0]                  wmask_i,
  input  logic [Lanes-1:0][LaneWidth-1:0]   wdata_i,
  input  logic                              re_i,
  input  logic [AddrWidth-1:0]              raddr_i,
  output logic [Lanes-1:0][LaneWidth-1:0]   rdata_o,
  input  fs_pkg::sram_fault_t               fault_i
);
  import fs_pkg::*;

  // Flat words (one packed dimension) so that tools and the site-map test see one vector per address.
  logic [Lanes*LaneWidth-1:0]      mem [Depth];
  logic [Lanes*LaneWidth-1:0]      rdata_q;
  logic                            fault_hit;
  logic [AddrWidth-1:0]            fault_addr;
  logic [LsbWidth-1:0]             fault_lsb;

`ifdef FS_NO_FAULT_PORT
  assign fault_hit  = 1'b0;
`else
  assign fault_hit  = fault_i.valid && fault_i.buffer == BufferId &&
                      fault_i.addr < WordAddrWidth'(Depth) && 32'(fault_i.lane) < Lanes;
`endif
  assign fault_addr = AddrWidth'(fault_i.addr);
  assign fault_lsb  = LsbWidth'(32'(fault_i.lane) * LaneWidth);

  always_ff @(posedge clk_i) begin
    if (we_i) begin
      for (int lane = 0; lane < Lanes; lane++) begin
        if (wmask_i[lane]) mem[waddr_i][lane * LaneWidth +: LaneWidth] <= wdata_i[lane];
      end
    end
    if (fault_hit) begin
      mem[fault_addr][fault_lsb +: LaneWidth] <= mem[fault_addr][fault_lsb +: LaneWidth] ^
                                                 fault_i.flip_mask[LaneWidth-1:0];
    end
    if (re_i) rdata_q <= mem[raddr_i];
  end

  assign rdata_o = rdata_q;
endmodule
