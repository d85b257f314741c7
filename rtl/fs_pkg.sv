// Shared widths, host-port address map, descriptor layout and fault-port types of the flipsim accelerator.
// This package is the one source of the RTL<->C++ contract: scripts/fs_pkg_gen.py turns it into the C++ header
// generated/rtl/fs_pkg.h at build time and fails on any line it does not understand, so keep to the forms it
// knows (localparam int [unsigned], typedef enum, typedef struct packed; values from literals, earlier names,
// + - * and $bits).
package fs_pkg;

  // Host port: 32-bit address = {region[31:28], word[27:8], lane[7:0]}, 64-bit data.
  localparam int unsigned HostAddrWidth = 32;
  localparam int unsigned HostDataWidth = 64;
  localparam int unsigned WordAddrWidth = 20;
  localparam int unsigned HostLaneWidth = 8;

  typedef enum logic [3:0] {
    RegionRegs   = 4'd0,
    RegionAbuf   = 4'd1,
    RegionWbuf   = 4'd2,
    RegionBbuf   = 4'd3,
    RegionAccbuf = 4'd4,
    RegionObuf   = 4'd5
  } region_e;

  // Control / status registers (word index inside RegionRegs).
  localparam int unsigned RegCtrl        = 0;  // write bit 0: start the layer in the descriptor
  localparam int unsigned RegStatus      = 1;  // bit 0 busy, bit 1 done (sticky until the next start)
  localparam int unsigned RegCycles      = 2;  // free-running cycle counter since reset
  localparam int unsigned RegLayerCycles = 3;  // cycles from start to done of the last layer
  localparam int unsigned RegParams      = 4;  // compiled parameters, see fs_top
  localparam int unsigned RegDepths0     = 5;  // {wbuf depth, abuf depth} (32 bits each)
  localparam int unsigned RegDepths1     = 6;  // {accbuf depth, bbuf depth}
  localparam int unsigned RegDepths2     = 7;  // obuf depth
  localparam int unsigned RegProt        = 8;  // prot_t: the protection in use (Protectable builds; else reads 0)
  localparam int unsigned RegDescBase    = 16; // first descriptor register

  // Bits of RegCtrl (write) and RegStatus (read).
  localparam int unsigned RegCtrlStartBit  = 0;
  localparam int unsigned RegCtrlScrubBit  = 1;
  localparam int unsigned RegStatusBusyBit = 0;
  localparam int unsigned RegStatusDoneBit = 1;
  // Sticky from a start to the next: a protected circuit detected an error it could not correct, or corrected one.
  localparam int unsigned RegStatusDetectedBit  = 2;
  localparam int unsigned RegStatusCorrectedBit = 3;

  // RegParams and RegDepths*: the compiled parameters, read back by the testbench so that a configuration never
  // silently runs on different hardware.
  typedef struct packed {
    logic [15:0] acc_width;
    logic [15:0] data_width;
    logic [15:0] cols;
    logic [15:0] rows;
  } params_t;

  typedef struct packed {
    logic [31:0] wbuf_depth;
    logic [31:0] abuf_depth;
  } depths0_t;

  typedef struct packed {
    logic [31:0] accbuf_depth;
    logic [31:0] bbuf_depth;
  } depths1_t;

  typedef struct packed {
    logic [31:0] reserved;
    logic [31:0] obuf_depth;
  } depths2_t;

  // Descriptor registers, each 32 bits wide, at RegDescBase + index.
  typedef enum int unsigned {
    DescInH       = 0,   // input rows
    DescInW       = 1,   // input columns
    DescInCb      = 2,   // channel blocks per pixel (ceil(C / Rows))
    DescKernelH   = 3,
    DescKernelW   = 4,
    DescStride    = 5,
    DescPad       = 6,   // zero padding on every border
    DescOutW      = 7,   // output columns
    DescOyStart   = 8,   // output row of the first pixel of this pass
    DescOxStart   = 9,   // output column of the first pixel of this pass
    DescMCount    = 10,  // output pixels in this pass (row-major from the first)
    DescNTiles    = 11,  // output-channel tiles (ceil(N / Cols))
    DescAbufBase  = 12,  // added to the pixel's word address, modulo the depth: the host may load a window
    DescWbufBase  = 13,
    DescBbufBase  = 14,
    DescObufBase  = 15,
    DescRqMult    = 16,  // requantization multiplier, bits [30:0]
    DescRqShift   = 17,  // requantization right shift (0..62), rounding half up
    DescRqZero    = 18,  // output zero point (signed)
    DescRelu      = 19,  // bit 0: clamp at the zero point; bit 1: clip each output channel (DescReluClipBit)
    NumDescRegs   = 20
  } desc_field_e;

  // Bits of DescRelu. Clipping (Protectable builds only): every output tile's bounds, one {hi, lo} pair of
  // DataWidth-bit values per lane in the low 2 * DataWidth bits, follow the pass's biases in the bias buffer
  // (word DescBbufBase + DescNTiles + tile); the post-processing unit clamps each output to its channel's pair.
  localparam int unsigned DescReluClampBit = 0;
  localparam int unsigned DescReluClipBit  = 1;

  typedef enum logic [2:0] {
    CtrlIdle   = 3'd0,
    CtrlBias   = 3'd1,
    CtrlLoadW  = 3'd2,
    CtrlStream = 3'd3,
    CtrlDrain  = 3'd4,
    CtrlClip   = 3'd5   // reads the tile's clip bounds (after CtrlBias, when DescReluClipBit is set)
  } ctrl_state_e;

  // Width of the controller's loop counters (tile, kernel position, channel block, weight row, output pixel).
  localparam int unsigned CtrlCountWidth = 16;

  // Protection, in builds with fs_top's Protectable set: every buffer lane stores check bits and every PE register
  // has Replicas copies, and RegProt chooses at run time which code and which redundancy are in use (the host
  // writes it once, before it loads any buffer). Unused check bits and replicas are not fault sites.
  typedef enum logic [1:0] {
    CodeNone   = 2'd0,
    CodeParity = 2'd1,  // one even-parity bit per lane: detects an odd number of flips
    CodeSecded = 2'd2   // extended Hamming per lane: corrects one flip, detects two
  } code_e;

  typedef enum logic [2:0] {
    RedundNone     = 3'd0,
    RedundDmr      = 3'd1,  // duplicate and compare: detects
    RedundTmr      = 3'd2,  // triplicate and vote (the vote is written back while the register holds): corrects
    RedundDmrUpper = 3'd3,  // the same, for the upper half of the register's bits only
    RedundTmrUpper = 3'd4
  } redund_e;

  localparam int unsigned Replicas = 3;

  typedef struct packed {
    logic    zero_on_detect;  // a detected error reads as zero (else the value is passed on and only flagged)
    redund_e host;            // the host port's registers (fs_top) but these three, which never read as zero
    redund_e ctrl;            // the controller's registers (fs_ctrl), which never read as zero
    redund_e pe_valid;
    redund_e pe_psum;
    redund_e pe_act;
    redund_e pe_weight;
    code_e   obuf;
    code_e   accbuf;
    code_e   bbuf;
    code_e   wbuf;
    code_e   abuf;
  } prot_t;

  // Flip-flop fault port: every state register belongs to one group; the group whose id matches sees
  // its next value XORed with flip_mask and then bits in force_mask set to force_value. `replica` picks one copy
  // of a replicated register (always 0 for the others).
  localparam int unsigned FaultGroupWidth   = 24;
  localparam int unsigned FaultMaskWidth    = 64;
  localparam int unsigned FaultReplicaWidth = 2;

  typedef struct packed {
    logic                         valid;
    logic [FaultGroupWidth-1:0]   group;
    logic [FaultReplicaWidth-1:0] replica;
    logic [FaultMaskWidth-1:0]  flip_mask;
    logic [FaultMaskWidth-1:0]  force_mask;
    logic [FaultMaskWidth-1:0]  force_value;
  } ff_fault_t;


  // SRAM fault port: XOR flip_mask into one stored lane (data bits, then its check bits) of one word of one buffer.
  typedef enum logic [2:0] {
    BufAbuf   = 3'd0,
    BufWbuf   = 3'd1,
    BufBbuf   = 3'd2,
    BufAccbuf = 3'd3,
    BufObuf   = 3'd4
  } buffer_e;

  typedef struct packed {
    logic                     valid;
    buffer_e                  buffer;
    logic [WordAddrWidth-1:0] addr;
    logic [HostLaneWidth-1:0] lane;
    logic [FaultMaskWidth-1:0] flip_mask;
  } sram_fault_t;


  // Fault-group numbering, shared with the C++ site map (testbench/site_map.cpp) through the generated header.
  // Changing a number renumbers fault sites and so changes every campaign's results. fs_top checks at
  // elaboration that the ranges below cannot overlap for its Rows and Cols.
  localparam int unsigned GroupHost   = 0;      // host-port / descriptor registers
  localparam int unsigned GroupCtrl   = 64;     // controller FSM, counters and pipeline
  localparam int unsigned GroupPpu    = 256;    // post-processing unit
  localparam int unsigned GroupEdge   = 1024;   // skew (Rows * Rows groups), then deskew (Cols * Cols groups)
  localparam int unsigned GroupPe     = 8192;   // PE registers: GroupPe + (r * Cols + c) * PeGroups + field

  // Offsets from GroupHost (fs_top): descriptor register i at HostDescOffset + i.
  localparam int unsigned HostDescOffset        = 0;
  localparam int unsigned HostDoneOffset        = 32;
  localparam int unsigned HostCyclesOffset      = 33;
  localparam int unsigned HostLayerCyclesOffset = 34;
  localparam int unsigned HostRespValidOffset   = 35;
  localparam int unsigned HostRespRegionOffset  = 36;
  localparam int unsigned HostRespLaneOffset    = 37;
  localparam int unsigned HostRespRegOffset     = 38;
  localparam int unsigned HostScrubOffset       = 39;
  localparam int unsigned HostScrubAddrOffset   = 40;
  localparam int unsigned HostProtOffset        = 41;  // Protectable builds only, as the next two
  localparam int unsigned HostDetectedOffset    = 42;
  localparam int unsigned HostCorrectedOffset   = 43;

  // Offsets from GroupCtrl (fs_ctrl); the per-lane registers take one group per column: offset + c.
  localparam int unsigned CtrlStateOffset    = 0;
  localparam int unsigned CtrlNtOffset       = 1;
  localparam int unsigned CtrlKtOffset       = 2;
  localparam int unsigned CtrlKyOffset       = 3;
  localparam int unsigned CtrlKxOffset       = 4;
  localparam int unsigned CtrlCbOffset       = 5;
  localparam int unsigned CtrlWlOffset       = 6;
  localparam int unsigned CtrlOyOffset       = 7;
  localparam int unsigned CtrlOxOffset       = 8;
  localparam int unsigned CtrlMInOffset      = 9;
  localparam int unsigned CtrlRdValidOffset  = 10;
  localparam int unsigned CtrlRdZeroOffset   = 11;
  localparam int unsigned CtrlWrdValidOffset = 12;
  localparam int unsigned CtrlBiasRdOffset   = 13;
  localparam int unsigned CtrlMOutOffset     = 14;
  localparam int unsigned CtrlAValidOffset   = 15;
  localparam int unsigned CtrlAMOffset       = 16;
  localparam int unsigned CtrlWrCountOffset  = 17;
  localparam int unsigned CtrlClipRdOffset   = 18;  // Protectable builds only
  localparam int unsigned CtrlBiasOffset     = 32;  // bias_q[c]
  localparam int unsigned CtrlAPsumOffset    = 96;  // a_psum_q[c]

  // Offsets from GroupPpu (fs_ppu): acc_q[lane] at PpuAccOffset + lane; valid and address follow the Cols
  // lanes, at GroupPpu + PpuAccOffset + Cols + PpuValidPastLanes (or PpuAddrPastLanes); the clip bounds of lane c
  // (fs_clip) at PpuClipOffset + c.
  localparam int unsigned PpuAccOffset      = 0;
  localparam int unsigned PpuValidPastLanes = 0;
  localparam int unsigned PpuAddrPastLanes  = 1;
  localparam int unsigned PpuClipOffset     = 512;  // clip bounds of lane c (Protectable builds only)

  // Fields of one PE's groups (fs_pe).
  localparam int unsigned PeWeightField = 0;
  localparam int unsigned PeActField    = 1;
  localparam int unsigned PePsumField   = 2;
  localparam int unsigned PeValidField  = 3;
  localparam int unsigned PeGroups      = 4;

endpackage
