// Declare nothing: FS_FF instantiates one fault-injectable register NAME_q (declared by the caller) with next
// value D, enable EN and fault group GROUP, wired to the module's clk_i, rst_ni and ff_fault_i.
`ifndef FS_MACROS_SVH
`define FS_MACROS_SVH
`define FS_FF(NAME, WIDTH, GROUP, EN, D) \
  fs_ff #(.Width(WIDTH), .Group(GROUP)) u_``NAME ( \
    .clk_i, .rst_ni, .en_i(EN), .d_i(D), .q_o(NAME``_q), .fault_i(ff_fault_i));
// A register that a Protectable build replicates (fs_ff_redundant, redundancy REDUND, a detected value read as
// zero when ZERO; its comparator and vote report on DET and COR) and any other build keeps plain (DET, COR 0).
// Wired to the module's clk_i, rst_ni and the fault port FAULT; the caller declares Q, DET and COR.
`define FS_FF_REDUNDANT(NAME, WIDTH, GROUP, EN, D, Q, REDUND, ZERO, DET, COR, FAULT) \
  if (Protectable != 0) begin : g_``NAME \
    fs_ff_redundant #(.Width(WIDTH), .Group(GROUP)) u_``NAME ( \
      .clk_i, .rst_ni, .en_i(EN), .d_i(D), .q_o(Q), .redund_i(REDUND), .zero_on_detect_i(ZERO), \
      .detected_o(DET), .corrected_o(COR), .fault_i(FAULT)); \
  end else begin : g_``NAME \
    fs_ff #(.Width(WIDTH), .Group(GROUP)) u_``NAME ( \
      .clk_i, .rst_ni, .en_i(EN), .d_i(D), .q_o(Q), .fault_i(FAULT)); \
    assign DET = 1'b0; \
    assign COR = 1'b0; \
  end
`endif
