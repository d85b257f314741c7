`include "fs_macros.svh"
`include "fs_assert.svh"
// Layer controller. Executes one descriptor: for every output-channel tile (nt) and every K tile
// (kt = (ky, kx, cb), Rows input channels at one kernel position) it loads the tile's weights into the
// array, streams the pass's output pixels through it while the address generator walks the kernel
// window on the stored feature map (implicit im2col: padding reads as zero), and accumulates the
// array's outputs in the accumulator buffer (bias on the first K tile, requantization on the last). A Protectable
// build with DescReluClipBit set also reads each output tile's clip bounds after its biases (CtrlClip).
module fs_ctrl #(
  parameter int unsigned Rows       = 8,
  parameter int unsigned Cols       = 8,
  parameter int unsigned DataWidth  = 8,
  parameter int unsigned AccWidth   = 32,
  parameter int unsigned AbufAw     = 12,
  parameter int unsigned WbufAw     = 12,
  parameter int unsigned BbufAw     = 6,
  parameter int unsigned AccbufAw   = 10,
  parameter int unsigned ObufAw     = 11,
  parameter bit          Protectable = 1'b0
) (
  input  logic                               clk_i,
  input  logic                               rst_ni,
  input  logic                               start_i,
  input  logic [fs_pkg::NumDescRegs-1:0][31:0] desc_i,
  output logic                               busy_o,
  output logic                               done_o,     // one-cycle pulse at the end of the layer
  // activation buffer read
  output logic                               abuf_re_o,
  output logic [AbufAw-1:0]                  abuf_raddr_o,
  input  logic [Rows-1:0][DataWidth-1:0]     abuf_rdata_i,
  // weight buffer read
  output logic                               wbuf_re_o,
  output logic [WbufAw-1:0]                  wbuf_raddr_o,
  input  logic [Cols-1:0][DataWidth-1:0]     wbuf_rdata_i,
  // bias buffer read
  output logic                               bbuf_re_o,
  output logic [BbufAw-1:0]                  bbuf_raddr_o,
  input  logic [Cols-1:0][AccWidth-1:0]      bbuf_rdata_i,
  // accumulator buffer
  output logic                               accbuf_re_o,
  output logic [AccbufAw-1:0]                accbuf_raddr_o,
  input  logic [Cols-1:0][AccWidth-1:0]      accbuf_rdata_i,
  output logic                               accbuf_we_o,
  output logic [AccbufAw-1:0]                accbuf_waddr_o,
  output logic [Cols-1:0][AccWidth-1:0]      accbuf_wdata_o,
  // output buffer write
  output logic                               obuf_we_o,
  output logic [ObufAw-1:0]                  obuf_waddr_o,
  output logic [Cols-1:0][DataWidth-1:0]     obuf_wdata_o,
  // protection of the controller's and the array's registers (fs_pkg::prot_t), and what it found this cycle
  input  fs_pkg::prot_t                      prot_i,
  output logic                               detected_o,
  output logic                               corrected_o,
  input  fs_pkg::ff_fault_t                  ff_fault_i
);
  import fs_pkg::*;

  localparam int unsigned CntW = CtrlCountWidth;
  localparam int unsigned PixW = WordAddrWidth;

  // ---- descriptor fields -------------------------------------------------------------------------
  logic signed [31:0] in_h, in_w, kernel_w, stride, pad;
  logic [CntW-1:0]    in_cb, kernel_h, out_w, n_tiles, k_tiles;
  logic [PixW-1:0]    m_count;
  assign in_h        = $signed(desc_i[DescInH]);
  assign in_w        = $signed(desc_i[DescInW]);
  assign kernel_w    = $signed(desc_i[DescKernelW]);
  assign stride      = $signed(desc_i[DescStride]);
  assign pad         = $signed(desc_i[DescPad]);
  assign in_cb       = desc_i[DescInCb][CntW-1:0];
  assign kernel_h    = desc_i[DescKernelH][CntW-1:0];
  assign out_w       = desc_i[DescOutW][CntW-1:0];
  assign n_tiles     = desc_i[DescNTiles][CntW-1:0];
  assign m_count     = desc_i[DescMCount][PixW-1:0];
  assign k_tiles     = CntW'(kernel_h * desc_i[DescKernelW][CntW-1:0] * in_cb);

  // ---- state -------------------------------------------------------------------------------------
  ctrl_state_e        state_q, state_d;
  logic [CntW-1:0]    nt_q, kt_q, ky_q, kx_q, cb_q, wl_q, oy_q, ox_q;
  logic [CntW-1:0]    nt_d, kt_d, ky_d, kx_d, cb_d, wl_d, oy_d, ox_d;
  logic [PixW-1:0]    m_in_q, m_in_d, m_out_q, wr_count_q;
  logic               rd_valid_q, rd_zero_q, wrd_valid_q, bias_rd_q;

  logic first_k, last_k, last_n, tile_done, last_pixel, in_range, clip_en, clip_rd;
  assign clip_en    = Protectable && desc_i[DescRelu][DescReluClipBit];
  assign clip_rd    = clip_en && state_q == CtrlClip;
  assign first_k    = kt_q == '0;
  assign last_k     = kt_q == k_tiles - 1'b1;
  assign last_n     = nt_q == n_tiles - 1'b1;
  assign last_pixel = m_in_q == m_count - 1'b1;
  assign tile_done  = state_q == CtrlDrain && wr_count_q == m_count;

  // ---- address generator: implicit im2col ---------------------------------------------------------
  logic signed [31:0] iy, ix;
  assign iy = $signed({16'd0, oy_q}) * stride + $signed({16'd0, ky_q}) - pad;
  assign ix = $signed({16'd0, ox_q}) * stride + $signed({16'd0, kx_q}) - pad;
  assign in_range = iy >= 0 && iy < in_h && ix >= 0 && ix < in_w;

  assign abuf_re_o    = state_q == CtrlStream && in_range;
  assign abuf_raddr_o = AbufAw'(desc_i[DescAbufBase] +
                                32'((iy * in_w + ix) * $signed({16'd0, in_cb}) + $signed({16'd0, cb_q})));

  assign wbuf_re_o    = state_q == CtrlLoadW;
  assign wbuf_raddr_o = WbufAw'(desc_i[DescWbufBase] +
                                (32'(nt_q) * 32'(k_tiles) + 32'(kt_q)) * Rows + (Rows - 1 - 32'(wl_q)));

  // The clip bounds of tile nt follow the pass's n_tiles biases.
  assign bbuf_re_o    = state_q == CtrlBias || clip_rd;
  assign bbuf_raddr_o = BbufAw'(desc_i[DescBbufBase] + 32'(nt_q) + (clip_rd ? 32'(n_tiles) : 32'd0));

  // ---- FSM ----------------------------------------------------------------------------------------
  always_comb begin
    state_d = state_q;
    nt_d = nt_q; kt_d = kt_q; ky_d = ky_q; kx_d = kx_q; cb_d = cb_q;
    wl_d = wl_q; oy_d = oy_q; ox_d = ox_q; m_in_d = m_in_q;
    done_o = 1'b0;
    unique case (state_q)
      CtrlIdle: if (start_i) begin
        state_d = CtrlBias;
        nt_d = '0; kt_d = '0; ky_d = '0; kx_d = '0; cb_d = '0; wl_d = '0;
      end
      CtrlBias: state_d = clip_en ? CtrlClip : CtrlLoadW;
      // An unprotectable build never enters CtrlClip; a flipped state register leaves it as any illegal value.
      CtrlClip: state_d = Protectable ? CtrlLoadW : CtrlIdle;
      CtrlLoadW: begin
        wl_d = wl_q + 1'b1;
        if (32'(wl_q) == Rows - 1) begin
          state_d = CtrlStream;
          wl_d    = '0;
          m_in_d  = '0;
          oy_d    = desc_i[DescOyStart][CntW-1:0];
          ox_d    = desc_i[DescOxStart][CntW-1:0];
        end
      end
      CtrlStream: begin
        m_in_d = m_in_q + 1'b1;
        if (ox_q == out_w - 1'b1) begin
          ox_d = '0;
          oy_d = oy_q + 1'b1;
        end else begin
          ox_d = ox_q + 1'b1;
        end
        if (last_pixel) state_d = CtrlDrain;
      end
      CtrlDrain: if (tile_done) begin
        // Advance the K tile in (ky, kx, cb) order, matching the weight layout.
        kt_d = kt_q + 1'b1;
        state_d = CtrlLoadW;
        if (cb_q == in_cb - 1'b1) begin
          cb_d = '0;
          if (32'(kx_q) == 32'(kernel_w) - 1) begin
            kx_d = '0;
            ky_d = ky_q + 1'b1;
          end else begin
            kx_d = kx_q + 1'b1;
          end
        end else begin
          cb_d = cb_q + 1'b1;
        end
        if (last_k) begin
          kt_d = '0; ky_d = '0; kx_d = '0; cb_d = '0;
          nt_d = nt_q + 1'b1;
          state_d = CtrlBias;
          if (last_n) begin
            state_d = CtrlIdle;
            done_o  = 1'b1;
          end
        end
      end
      default: state_d = CtrlIdle;
    endcase
  end

  // Every register of the controller is replicated in a Protectable build (prot_i.ctrl chooses how many copies are
  // in use). Its comparators only flag: a zeroed state or counter is no safe value. DET/COR index: the offset.
  logic [CtrlClipRdOffset:0] reg_detected, reg_corrected;
`define _FS_CTRL_REG(NAME, OFFSET, WIDTH, EN, D) \
  `FS_FF_REDUNDANT(NAME, WIDTH, GroupCtrl + OFFSET, EN, D, NAME``_q, prot_i.ctrl, 1'b0, reg_detected[OFFSET], \
                   reg_corrected[OFFSET], ff_fault_i)

  `_FS_CTRL_REG(state, CtrlStateOffset, $bits(ctrl_state_e), 1'b1, state_d)
  `_FS_CTRL_REG(nt, CtrlNtOffset, CntW, 1'b1, nt_d)
  `_FS_CTRL_REG(kt, CtrlKtOffset, CntW, 1'b1, kt_d)
  `_FS_CTRL_REG(ky, CtrlKyOffset, CntW, 1'b1, ky_d)
  `_FS_CTRL_REG(kx, CtrlKxOffset, CntW, 1'b1, kx_d)
  `_FS_CTRL_REG(cb, CtrlCbOffset, CntW, 1'b1, cb_d)
  `_FS_CTRL_REG(wl, CtrlWlOffset, CntW, 1'b1, wl_d)
  `_FS_CTRL_REG(oy, CtrlOyOffset, CntW, 1'b1, oy_d)
  `_FS_CTRL_REG(ox, CtrlOxOffset, CntW, 1'b1, ox_d)
  `_FS_CTRL_REG(m_in, CtrlMInOffset, PixW, 1'b1, m_in_d)
  `_FS_CTRL_REG(rd_valid, CtrlRdValidOffset, 1, 1'b1, state_q == CtrlStream)
  `_FS_CTRL_REG(rd_zero, CtrlRdZeroOffset, 1, 1'b1, !in_range)
  `_FS_CTRL_REG(wrd_valid, CtrlWrdValidOffset, 1, 1'b1, state_q == CtrlLoadW)
  `_FS_CTRL_REG(bias_rd, CtrlBiasRdOffset, 1, 1'b1, state_q == CtrlBias)
  // Only a Protectable build can clip: elsewhere the strobe is no register and no fault site.
  logic clip_rd_q;
  if (Protectable) begin : g_clip
    `_FS_CTRL_REG(clip_rd, CtrlClipRdOffset, 1, 1'b1, clip_rd)
  end else begin : g_no_clip
    assign clip_rd_q                        = 1'b0;
    assign reg_detected[CtrlClipRdOffset]  = 1'b0;
    assign reg_corrected[CtrlClipRdOffset] = 1'b0;
  end

  assign busy_o = state_q != CtrlIdle;

  // ---- array ----------------------------------------------------------------------------------------
  logic [Rows-1:0][DataWidth-1:0] act;
  logic [Cols-1:0][AccWidth-1:0]  array_psum;
  logic                           array_valid, array_detected, array_corrected;
  // Only data actually read enters the array: the SRAM's output register keeps whatever was read last, and a
  // run must not depend on what an earlier run left there.
  assign act = (rd_zero_q || !rd_valid_q) ? '0 : abuf_rdata_i;

  fs_array #(.Rows(Rows), .Cols(Cols), .DataWidth(DataWidth), .AccWidth(AccWidth), .Protectable(Protectable)) u_array (
    .clk_i, .rst_ni, .wload_i(wrd_valid_q), .w_i(wbuf_rdata_i), .act_i(act), .valid_i(rd_valid_q),
    .psum_o(array_psum), .valid_o(array_valid), .prot_i, .detected_o(array_detected),
    .corrected_o(array_corrected), .fault_i(ff_fault_i));

  // ---- accumulation: stage A registers the array row and reads the previous partial sum ------------
  logic [PixW-1:0] m_out_d, wr_count_d, a_m_q;
  logic            a_valid_q, tile_start;
  logic            ppu_valid;
  logic [ObufAw-1:0] ppu_addr;
  assign tile_start = state_q == CtrlLoadW && wl_q == '0;
  assign m_out_d    = tile_start ? '0 : m_out_q + PixW'(array_valid);

  `_FS_CTRL_REG(m_out, CtrlMOutOffset, PixW, 1'b1, m_out_d)
  `_FS_CTRL_REG(a_valid, CtrlAValidOffset, 1, 1'b1, array_valid)
  `_FS_CTRL_REG(a_m, CtrlAMOffset, PixW, 1'b1, m_out_q)

  assign accbuf_re_o    = array_valid;
  assign accbuf_raddr_o = AccbufAw'(m_out_q);

  logic [Cols-1:0][AccWidth-1:0] bias_q, a_psum_q, sum;
  logic [Cols-1:0][1:0]          lane_detected, lane_corrected;  // bias, a_psum
  for (genvar c = 0; c < Cols; c++) begin : g_lane
    `FS_FF_REDUNDANT(bias, AccWidth, GroupCtrl + CtrlBiasOffset + c, bias_rd_q, bbuf_rdata_i[c], bias_q[c],
                     prot_i.ctrl, 1'b0, lane_detected[c][0], lane_corrected[c][0], ff_fault_i)
    `FS_FF_REDUNDANT(a_psum, AccWidth, GroupCtrl + CtrlAPsumOffset + c, 1'b1, array_psum[c], a_psum_q[c],
                     prot_i.ctrl, 1'b0, lane_detected[c][1], lane_corrected[c][1], ff_fault_i)
    // Stage B: add the previous partial sum (the bias on the first K tile).
    assign sum[c] = (first_k ? bias_q[c] : accbuf_rdata_i[c]) + a_psum_q[c];
  end

  assign accbuf_we_o    = a_valid_q && !last_k;
  assign accbuf_waddr_o = AccbufAw'(a_m_q);
  assign accbuf_wdata_o = sum;

  logic [Cols-1:0][2*DataWidth-1:0] clip_bounds;
  for (genvar c = 0; c < Cols; c++) begin : g_clip_bounds
    assign clip_bounds[c] = bbuf_rdata_i[c][2*DataWidth-1:0];
  end

  fs_ppu #(.Lanes(Cols), .DataWidth(DataWidth), .AccWidth(AccWidth), .AddrWidth(ObufAw), .Clip(Protectable)) u_ppu (
    .clk_i, .rst_ni,
    .valid_i(a_valid_q && last_k),
    .addr_i(ObufAw'(desc_i[DescObufBase] + 32'(a_m_q) * 32'(n_tiles) + 32'(nt_q))),
    .acc_i(sum),
    .mult_i(desc_i[DescRqMult]), .shift_i(desc_i[DescRqShift][5:0]), .zero_i(desc_i[DescRqZero]),
    .relu_i(desc_i[DescRelu][DescReluClampBit]),
    .clip_en_i(clip_en), .clip_load_i(clip_rd_q), .clip_bounds_i(clip_bounds),
    .valid_o(ppu_valid), .addr_o(ppu_addr), .data_o(obuf_wdata_o), .ff_fault_i);

  assign obuf_we_o    = ppu_valid;
  assign obuf_waddr_o = ppu_addr;

  assign wr_count_d = tile_start ? '0 : wr_count_q + PixW'(accbuf_we_o) + PixW'(ppu_valid);
  `_FS_CTRL_REG(wr_count, CtrlWrCountOffset, PixW, 1'b1, wr_count_d)
`undef _FS_CTRL_REG

  assign detected_o  = array_detected || |reg_detected || |lane_detected;
  assign corrected_o = array_corrected || |reg_corrected || |lane_corrected;

  // The FSM only ever holds one of its states in a fault-free run (an injected flip may leave another value,
  // which the default branch above returns to CtrlIdle).
  `FS_ASSERT_ENABLE(ff_fault_i.valid)
  `FS_ASSERT(a_state_legal, state_q inside {CtrlIdle, CtrlBias, CtrlLoadW, CtrlStream, CtrlDrain, CtrlClip})
  `FS_ASSERT(a_clip_only_protectable, state_q == CtrlClip |-> Protectable && clip_en)
endmodule
