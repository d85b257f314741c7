// Shared widths, host-port address map, descriptor layout and fault-port types of the flipsim accelerator.
package fs_pkg;

  // Host port: 32-bit address = {region[31:28], word[27:8], lane[7:0]}, 64-bit data.
  localparam int unsigned HostAddrWidth = 32;
  localparam int unsigned HostDataWidth = 64;
  localparam int unsigned WordAddrWidth = 20;

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
  localparam int unsigned RegDescBase    = 16; // first descriptor register

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
    DescRelu      = 19,  // bit 0: clamp at the zero point
    NumDescRegs   = 20
  } desc_field_e;

  typedef enum logic [2:0] {
    CtrlIdle   = 3'd0,
    CtrlBias   = 3'd1,
    CtrlLoadW  = 3'd2,
    CtrlStream = 3'd3,
    CtrlDrain  = 3'd4
  } ctrl_state_e;

  // Flip-flop fault port: every state register belongs to one group; the group whose id matches sees
  // its next value XORed with flip_mask and then bits in force_mask set to force_value.
  localparam int unsigned FaultGroupWidth = 24;
  localparam int unsigned FaultMaskWidth  = 64;

  typedef struct packed {
    logic                       valid;
    logic [FaultGroupWidth-1:0] group;
    logic [FaultMaskWidth-1:0]  flip_mask;
    logic [FaultMaskWidth-1:0]  force_mask;
    logic [FaultMaskWidth-1:0]  force_value;
  } ff_fault_t;


  // SRAM fault port: XOR flip_mask into the stored lanes of one word of one buffer.
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
    logic [7:0]               lane;
    logic [FaultMaskWidth-1:0] flip_mask;
  } sram_fault_t;


  // Fault-group numbering, shared with the C++ site map (accel/site_map.cpp).
  localparam int unsigned GroupHost   = 0;      // host-port / descriptor registers
  localparam int unsigned GroupCtrl   = 64;     // controller FSM, counters and pipeline
  localparam int unsigned GroupPpu    = 256;    // post-processing unit
  localparam int unsigned GroupEdge   = 1024;   // skew and deskew registers
  localparam int unsigned GroupPe     = 8192;   // PE registers: GroupPe + (r * Cols + c) * PeGroups + field
  localparam int unsigned PeGroups    = 4;      // weight, activation, partial sum, valid

endpackage
