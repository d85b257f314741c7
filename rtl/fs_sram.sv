// Simple dual-port SRAM (one read port, one write port) with per-lane write enables and a one-cycle read
// latency. Every on-chip buffer is an instance of this module. The fault port XORs a mask into one stored
// lane; the flip persists until the lane is rewritten. A Protectable instance stores check bits beside every
// lane (fs_ecc.sv), encodes on write, decodes on read and reports what the code found.
module fs_sram #(
  parameter int unsigned Depth       = 1024,
  parameter int unsigned Lanes       = 8,
  parameter int unsigned LaneWidth   = 8,
  parameter fs_pkg::buffer_e BufferId = fs_pkg::BufAbuf,
  parameter bit          Protectable = 1'b0,
  localparam int unsigned AddrWidth  = $clog2(Depth),
  localparam int unsigned CheckWidth = Protectable ? fs_ecc_pkg::check_bits(LaneWidth) : 0,
  localparam int unsigned CodeWidth  = LaneWidth + CheckWidth  // stored bits per lane
) (
  input  logic                              clk_i,
  input  logic                              we_i,
  input  logic [AddrWidth-1:0]              waddr_i,
  input  logic [Lanes-1:0]                  wmask_i,
  input  logic [Lanes-1:0][LaneWidth-1:0]   wdata_i,
  input  logic                              re_i,
  input  logic [AddrWidth-1:0]              raddr_i,
  output logic [Lanes-1:0][LaneWidth-1:0]   rdata_o,
  input  fs_pkg::code_e                     code_i,            // Protectable only
  input  logic                              zero_on_detect_i,  // Protectable only
  output logic                              detected_o,        // in the cycle rdata_o is valid
  output logic                              corrected_o,
  input  fs_pkg::sram_fault_t               fault_i
);
  import fs_pkg::*;

  // Flat words (one packed dimension) so that tools and the site-map test see one vector per address.
  logic [Lanes*CodeWidth-1:0]      mem [Depth];
  logic [Lanes*CodeWidth-1:0]      rdata_q, wcode;
  logic                            fault_hit;
  logic [AddrWidth-1:0]            fault_addr;
  logic [$clog2(Lanes*CodeWidth)-1:0] fault_lsb;

`ifdef FS_NO_FAULT_PORT
  assign fault_hit  = 1'b0;
`else
  assign fault_hit  = fault_i.valid && fault_i.buffer == BufferId &&
                      fault_i.addr < WordAddrWidth'(Depth) && 32'(fault_i.lane) < Lanes;
`endif
  assign fault_addr = AddrWidth'(fault_i.addr);
  assign fault_lsb  = $bits(fault_lsb)'(32'(fault_i.lane) * CodeWidth);

  always_ff @(posedge clk_i) begin
    if (we_i) begin
      for (int lane = 0; lane < Lanes; lane++) begin
        if (wmask_i[lane]) mem[waddr_i][lane * CodeWidth +: CodeWidth] <= wcode[lane * CodeWidth +: CodeWidth];
      end
    end
    if (fault_hit) begin
      mem[fault_addr][fault_lsb +: CodeWidth] <= mem[fault_addr][fault_lsb +: CodeWidth] ^
                                                 fault_i.flip_mask[CodeWidth-1:0];
    end
    if (re_i) rdata_q <= mem[raddr_i];
  end

  if (Protectable) begin : g_ecc
    logic             rvalid_q;
    logic [Lanes-1:0] lane_detected, lane_corrected;
    always_ff @(posedge clk_i) rvalid_q <= re_i;
    for (genvar lane = 0; lane < Lanes; lane++) begin : g_lane
      fs_ecc_encode #(.Width(LaneWidth)) u_encode (
        .code_i, .data_i(wdata_i[lane]), .check_o(wcode[lane * CodeWidth + LaneWidth +: CheckWidth]));
      assign wcode[lane * CodeWidth +: LaneWidth] = wdata_i[lane];
      fs_ecc_decode #(.Width(LaneWidth)) u_decode (
        .code_i, .zero_on_detect_i, .data_i(rdata_q[lane * CodeWidth +: LaneWidth]),
        .check_i(rdata_q[lane * CodeWidth + LaneWidth +: CheckWidth]), .data_o(rdata_o[lane]),
        .detected_o(lane_detected[lane]), .corrected_o(lane_corrected[lane]));
    end
    assign detected_o  = rvalid_q && |lane_detected;
    assign corrected_o = rvalid_q && |lane_corrected;
  end else begin : g_plain
    assign wcode       = wdata_i;
    assign rdata_o     = rdata_q;
    assign detected_o  = 1'b0;
    assign corrected_o = 1'b0;
    logic unused_prot;
    assign unused_prot = ^{code_i, zero_on_detect_i};
  end
endmodule
