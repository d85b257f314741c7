`include "fs_macros.svh"
`include "fs_assert.svh"
// flipsim accelerator top: host port, descriptor registers, the five on-chip buffers and the controller
// (which holds the systolic array and the post-processing unit).
module fs_top #(
  parameter int unsigned Rows        = 8,
  parameter int unsigned Cols        = 8,
  parameter int unsigned DataWidth   = 8,
  parameter int unsigned AccWidth    = 32,
  parameter int unsigned AbufDepth   = 4096,
  parameter int unsigned WbufDepth   = 4096,
  parameter int unsigned BbufDepth   = 64,
  parameter int unsigned AccbufDepth = 1024,
  parameter int unsigned ObufDepth   = 2048,
  // Check bits on every buffer lane and replicated PE registers, chosen at run time through RegProt.
  parameter int unsigned Protectable = 0
) (
  input  logic                               clk_i,
  input  logic                               rst_ni,
  input  logic                               host_req_valid_i,
  output logic                               host_req_ready_o,
  input  logic                               host_req_write_i,
  input  logic [fs_pkg::HostAddrWidth-1:0]   host_req_addr_i,
  input  logic [fs_pkg::HostDataWidth-1:0]   host_req_wdata_i,
  output logic                               host_resp_valid_o,
  output logic [fs_pkg::HostDataWidth-1:0]   host_resp_rdata_o,
  output logic                               busy_o,
  input  fs_pkg::ff_fault_t                  ff_fault_i,
  input  fs_pkg::sram_fault_t                sram_fault_i
);
  import fs_pkg::*;

  localparam int unsigned AbufAw   = $clog2(AbufDepth);
  localparam int unsigned WbufAw   = $clog2(WbufDepth);
  localparam int unsigned BbufAw   = $clog2(BbufDepth);
  localparam int unsigned AccbufAw = $clog2(AccbufDepth);
  localparam int unsigned ObufAw   = $clog2(ObufDepth);

  // ---- host request decode ------------------------------------------------------------------------
  region_e                  region;
  logic [WordAddrWidth-1:0] word;
  logic [HostLaneWidth-1:0] lane;
  logic                     busy, ctrl_busy, scrub_q, done_pulse, accept, wr, rd;
  assign region = region_e'(host_req_addr_i[HostAddrWidth-1 -: $bits(region_e)]);
  assign word   = host_req_addr_i[HostLaneWidth +: WordAddrWidth];
  assign lane   = host_req_addr_i[HostLaneWidth-1:0];
  // Buffers belong to the controller while a layer runs; registers are always reachable.
  assign host_req_ready_o = region == RegionRegs || !busy;
  assign accept = host_req_valid_i && host_req_ready_o;
  assign wr     = accept && host_req_write_i;
  assign rd     = accept && !host_req_write_i;

  // ---- registers ----------------------------------------------------------------------------------
  logic [NumDescRegs-1:0][31:0] desc_q;
  logic                         start, done_q, resp_valid_q;
  logic [63:0]                  cycles_q;
  logic [31:0]                  layer_cycles_q;
  logic [$bits(region_e)-1:0]  resp_region_q;
  logic [HostLaneWidth-1:0]     resp_lane_q;
  logic [63:0]                  resp_reg_q, reg_rdata;
  prot_t                        prot_q;  // the protection in use (Protectable builds; else 0)

  // Every host-port register but the protection's own (RegProt and the status flags) is replicated in a
  // Protectable build (prot_q.host chooses how many copies are in use); its comparators only flag. DET/COR index:
  // the register's offset from GroupHost.
  logic [HostScrubAddrOffset:0] host_detected, host_corrected;
`define _FS_HOST_REG(NAME, OFFSET, WIDTH, EN, D) \
  `FS_FF_REDUNDANT(NAME, WIDTH, GroupHost + OFFSET, EN, D, NAME``_q, prot_q.host, 1'b0, host_detected[OFFSET], \
                   host_corrected[OFFSET], ff_fault_i)

  for (genvar i = 0; i < NumDescRegs; i++) begin : g_desc
    logic write_this;
    assign write_this = wr && region == RegionRegs && word == WordAddrWidth'(RegDescBase + i);
    `FS_FF_REDUNDANT(desc, 32, GroupHost + HostDescOffset + i, write_this, host_req_wdata_i[31:0], desc_q[i],
                     prot_q.host, 1'b0, host_detected[HostDescOffset + i], host_corrected[HostDescOffset + i],
                     ff_fault_i)
  end
  for (genvar i = HostDescOffset + NumDescRegs; i < HostDoneOffset; i++) begin : g_no_host_reg
    assign host_detected[i]  = 1'b0;
    assign host_corrected[i] = 1'b0;
  end

  assign start = wr && region == RegionRegs && word == WordAddrWidth'(RegCtrl) && host_req_wdata_i[RegCtrlStartBit] &&
                 !busy;

  // Memory initialisation: CTRL bit 1 zeroes every buffer word (all buffers in parallel, one word per cycle),
  // so that a run's outcome never depends on what an earlier run left in unused words.
  function automatic int unsigned max_of(int unsigned a, int unsigned b);
    return a > b ? a : b;
  endfunction
  localparam int unsigned ScrubAw = $clog2(max_of(max_of(max_of(AbufDepth, WbufDepth), max_of(BbufDepth, AccbufDepth)),
                                                  ObufDepth));
  logic               scrub_start, scrub_last;
  logic [ScrubAw-1:0] scrub_addr_q;
  assign scrub_start = wr && region == RegionRegs && word == WordAddrWidth'(RegCtrl) &&
                       host_req_wdata_i[RegCtrlScrubBit] && !busy;
  assign scrub_last  = scrub_addr_q == {ScrubAw{1'b1}};
  `_FS_HOST_REG(scrub, HostScrubOffset, 1, 1'b1, scrub_start || (scrub_q && !scrub_last))
  `_FS_HOST_REG(scrub_addr, HostScrubAddrOffset, ScrubAw, 1'b1, scrub_q ? scrub_addr_q + 1'b1 : '0)
  assign busy = ctrl_busy || scrub_q;

  // ---- protection (Protectable builds): the code and redundancy in use, and what they found ---------
  logic  detected_now, corrected_now, detected_q, corrected_q;
  if (Protectable != 0) begin : g_prot
    logic write_prot;
    assign write_prot = wr && region == RegionRegs && word == WordAddrWidth'(RegProt);
    `FS_FF(prot, $bits(prot_t), GroupHost + HostProtOffset, write_prot, prot_t'(host_req_wdata_i[$bits(prot_t)-1:0]))
    `FS_FF(detected, 1, GroupHost + HostDetectedOffset, 1'b1, detected_now || (detected_q && !start))
    `FS_FF(corrected, 1, GroupHost + HostCorrectedOffset, 1'b1, corrected_now || (corrected_q && !start))
  end else begin : g_no_prot
    assign prot_q      = '0;
    assign detected_q  = 1'b0;
    assign corrected_q = 1'b0;
    logic unused_prot;
    assign unused_prot = ^{detected_now, corrected_now};
  end

  `_FS_HOST_REG(done, HostDoneOffset, 1, 1'b1, done_pulse || (done_q && !start))
  `_FS_HOST_REG(cycles, HostCyclesOffset, 64, 1'b1, cycles_q + 64'd1)
  `_FS_HOST_REG(layer_cycles, HostLayerCyclesOffset, 32, 1'b1, start ? 32'd0 : layer_cycles_q + 32'(ctrl_busy))

  always_comb begin
    reg_rdata = '0;
    unique case (word)
      WordAddrWidth'(RegStatus): begin
        reg_rdata[RegStatusBusyBit] = busy;
        reg_rdata[RegStatusDoneBit] = done_q;
        reg_rdata[RegStatusDetectedBit]  = detected_q;
        reg_rdata[RegStatusCorrectedBit] = corrected_q;
      end
      WordAddrWidth'(RegCycles):      reg_rdata = cycles_q;
      WordAddrWidth'(RegLayerCycles): reg_rdata = {32'd0, layer_cycles_q};
      WordAddrWidth'(RegParams):      reg_rdata = params_t'{acc_width: 16'(AccWidth), data_width: 16'(DataWidth),
                                                            cols: 16'(Cols), rows: 16'(Rows)};
      WordAddrWidth'(RegDepths0):     reg_rdata = depths0_t'{wbuf_depth: 32'(WbufDepth), abuf_depth: 32'(AbufDepth)};
      WordAddrWidth'(RegDepths1):     reg_rdata = depths1_t'{accbuf_depth: 32'(AccbufDepth),
                                                             bbuf_depth: 32'(BbufDepth)};
      WordAddrWidth'(RegDepths2):     reg_rdata = depths2_t'{reserved: 32'd0, obuf_depth: 32'(ObufDepth)};
      WordAddrWidth'(RegProt):        reg_rdata = 64'(prot_q);
      default: begin
        if (word >= WordAddrWidth'(RegDescBase) && word < WordAddrWidth'(RegDescBase + NumDescRegs)) begin
          reg_rdata = {32'd0, desc_q[5'(word - WordAddrWidth'(RegDescBase))]};
        end
      end
    endcase
  end

  `_FS_HOST_REG(resp_valid, HostRespValidOffset, 1, 1'b1, rd)
  `_FS_HOST_REG(resp_region, HostRespRegionOffset, $bits(region_e), rd, region)
  `_FS_HOST_REG(resp_lane, HostRespLaneOffset, HostLaneWidth, rd, lane)
  `_FS_HOST_REG(resp_reg, HostRespRegOffset, 64, rd, reg_rdata)
`undef _FS_HOST_REG

  // ---- buffers --------------------------------------------------------------------------------------
  logic                                abuf_re, wbuf_re, bbuf_re, accbuf_re, accbuf_we, obuf_we;
  logic [AbufAw-1:0]                   abuf_raddr;
  logic [WbufAw-1:0]                   wbuf_raddr;
  logic [BbufAw-1:0]                   bbuf_raddr;
  logic [AccbufAw-1:0]                 accbuf_raddr, accbuf_waddr;
  logic [ObufAw-1:0]                   obuf_waddr;
  logic [Rows-1:0][DataWidth-1:0]      abuf_rdata;
  logic [Cols-1:0][DataWidth-1:0]      wbuf_rdata, obuf_rdata, obuf_wdata;
  logic [Cols-1:0][AccWidth-1:0]       bbuf_rdata, accbuf_rdata, accbuf_wdata;
  logic [HostDataWidth-1:0]            abuf_host, wbuf_host, bbuf_host, accbuf_host, obuf_host;

  // One instance per buffer; the host owns both ports while the controller is idle.
  `define _FS_BUFFER(NAME, REGION, ID, DEPTH, LANES, WIDTH, CTRL_WE, CTRL_WADDR, CTRL_WDATA, CTRL_RE, CTRL_RADDR) \
    logic [LANES-1:0]             NAME``_hmask; \
    logic [LANES-1:0][WIDTH-1:0]  NAME``_hdata; \
    logic                         NAME``_hsel, NAME``_detected, NAME``_corrected; \
    assign NAME``_hsel = !busy && region == REGION; \
    fs_host_lanes #(.Lanes(LANES), .LaneWidth(WIDTH)) u_``NAME``_lanes ( \
      .wlane_i(lane), .wdata_i(host_req_wdata_i), .wmask_o(NAME``_hmask), .wdata_o(NAME``_hdata), \
      .rlane_i(resp_lane_q), .rdata_i(NAME``_rdata), .rdata_o(NAME``_host)); \
    fs_sram #(.Depth(DEPTH), .Lanes(LANES), .LaneWidth(WIDTH), .BufferId(ID), .Protectable(Protectable != 0)) u_``NAME ( \
      .clk_i, \
      .we_i(scrub_q || (busy ? CTRL_WE : (wr && NAME``_hsel))), \
      .waddr_i(scrub_q ? $clog2(DEPTH)'(scrub_addr_q) : busy ? CTRL_WADDR : $clog2(DEPTH)'(word)), \
      .wmask_i(busy ? {LANES{1'b1}} : NAME``_hmask), \
      .wdata_i(scrub_q ? '0 : busy ? CTRL_WDATA : NAME``_hdata), \
      .re_i(busy ? CTRL_RE : (rd && NAME``_hsel)), \
      .raddr_i(busy ? CTRL_RADDR : $clog2(DEPTH)'(word)), \
      .rdata_o(NAME``_rdata), \
      .code_i(prot_q.NAME), .zero_on_detect_i(prot_q.zero_on_detect), \
      .detected_o(NAME``_detected), .corrected_o(NAME``_corrected), \
      .fault_i(sram_fault_i));

  `_FS_BUFFER(abuf, RegionAbuf, BufAbuf, AbufDepth, Rows, DataWidth, 1'b0, '0, '0, abuf_re, abuf_raddr)
  `_FS_BUFFER(wbuf, RegionWbuf, BufWbuf, WbufDepth, Cols, DataWidth, 1'b0, '0, '0, wbuf_re, wbuf_raddr)
  `_FS_BUFFER(bbuf, RegionBbuf, BufBbuf, BbufDepth, Cols, AccWidth, 1'b0, '0, '0, bbuf_re, bbuf_raddr)
  `_FS_BUFFER(accbuf, RegionAccbuf, BufAccbuf, AccbufDepth, Cols, AccWidth, accbuf_we, accbuf_waddr,
             accbuf_wdata, accbuf_re, accbuf_raddr)
  `_FS_BUFFER(obuf, RegionObuf, BufObuf, ObufDepth, Cols, DataWidth, obuf_we, obuf_waddr, obuf_wdata,
             1'b0, '0)
  `undef _FS_BUFFER

  always_comb begin
    unique case (region_e'(resp_region_q))
      RegionAbuf:   host_resp_rdata_o = abuf_host;
      RegionWbuf:   host_resp_rdata_o = wbuf_host;
      RegionBbuf:   host_resp_rdata_o = bbuf_host;
      RegionAccbuf: host_resp_rdata_o = accbuf_host;
      RegionObuf:   host_resp_rdata_o = obuf_host;
      default:      host_resp_rdata_o = resp_reg_q;
    endcase
  end
  assign host_resp_valid_o = resp_valid_q;

  logic ctrl_detected, ctrl_corrected;
  assign detected_now  = abuf_detected || wbuf_detected || bbuf_detected || accbuf_detected || obuf_detected ||
                         ctrl_detected || |host_detected;
  assign corrected_now = abuf_corrected || wbuf_corrected || bbuf_corrected || accbuf_corrected ||
                         obuf_corrected || ctrl_corrected || |host_corrected;

  // ---- controller -----------------------------------------------------------------------------------
  fs_ctrl #(
    .Rows(Rows), .Cols(Cols), .DataWidth(DataWidth), .AccWidth(AccWidth),
    .AbufAw(AbufAw), .WbufAw(WbufAw), .BbufAw(BbufAw), .AccbufAw(AccbufAw), .ObufAw(ObufAw),
    .Protectable(Protectable != 0)
  ) u_ctrl (
    .clk_i, .rst_ni, .start_i(start), .desc_i(desc_q), .busy_o(ctrl_busy), .done_o(done_pulse),
    .abuf_re_o(abuf_re), .abuf_raddr_o(abuf_raddr), .abuf_rdata_i(abuf_rdata),
    .wbuf_re_o(wbuf_re), .wbuf_raddr_o(wbuf_raddr), .wbuf_rdata_i(wbuf_rdata),
    .bbuf_re_o(bbuf_re), .bbuf_raddr_o(bbuf_raddr), .bbuf_rdata_i(bbuf_rdata),
    .accbuf_re_o(accbuf_re), .accbuf_raddr_o(accbuf_raddr), .accbuf_rdata_i(accbuf_rdata),
    .accbuf_we_o(accbuf_we), .accbuf_waddr_o(accbuf_waddr), .accbuf_wdata_o(accbuf_wdata),
    .obuf_we_o(obuf_we), .obuf_waddr_o(obuf_waddr), .obuf_wdata_o(obuf_wdata),
    .prot_i(prot_q), .detected_o(ctrl_detected), .corrected_o(ctrl_corrected),
    .ff_fault_i);

  assign busy_o = busy;

  // ---- static checks: the address map and the fault-group ranges of this configuration -------------
  `FS_ASSERT_STATIC(g_addr_fields_fill_address,
                    $bits(region_e) + WordAddrWidth + HostLaneWidth == HostAddrWidth)
  `FS_ASSERT_STATIC(g_host_groups_in_range,
                    HostDescOffset + NumDescRegs <= HostDoneOffset &&
                    GroupHost + HostCorrectedOffset < GroupCtrl)
  `FS_ASSERT_STATIC(g_ctrl_groups_in_range,
                    CtrlWrCountOffset < CtrlClipRdOffset && CtrlClipRdOffset < CtrlBiasOffset &&
                    CtrlBiasOffset + Cols <= CtrlAPsumOffset && GroupCtrl + CtrlAPsumOffset + Cols <= GroupPpu)
  `FS_ASSERT_STATIC(g_ppu_groups_in_range,
                    PpuAccOffset + Cols + PpuAddrPastLanes < PpuClipOffset && GroupPpu + PpuClipOffset + Cols <= GroupEdge)
  // A clip word holds two data values in one bias lane.
  `FS_ASSERT_STATIC(g_clip_bounds_fit_bias_lane, Protectable == 0 || 2 * DataWidth <= AccWidth)
  `FS_ASSERT_STATIC(g_edge_groups_in_range, GroupEdge + Rows * Rows + Cols * Cols <= GroupPe)
  `FS_ASSERT_STATIC(g_pe_groups_in_range,
                    64'(GroupPe) + 64'(Rows * Cols * PeGroups) <= 64'(1) << FaultGroupWidth)

  // ---- host-port protocol (checked in fault-free runs of the test builds, see fs_assert.svh) ----------
  // A request is a valid/ready handshake: the host holds it, unchanged, until the cycle it is accepted.
  // An accepted read is answered in the next cycle (host_resp_valid_o for one cycle), and only then.
  `FS_ASSERT_ENABLE(ff_fault_i.valid || sram_fault_i.valid)
  `FS_ASSERT(a_req_held_until_ready,
             host_req_valid_i && !host_req_ready_o |=> host_req_valid_i && $stable(host_req_write_i) &&
             $stable(host_req_addr_i) && $stable(host_req_wdata_i))
  `FS_ASSERT(a_regs_always_ready, host_req_valid_i && region == RegionRegs |-> host_req_ready_o)
  `FS_ASSERT(a_read_answered_next_cycle, rd |=> host_resp_valid_o)
  `FS_ASSERT(a_resp_only_after_read, host_resp_valid_o |-> $past(rd))
endmodule
