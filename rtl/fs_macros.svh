// Declares nothing: instantiates one fault-injectable register NAME_q (declared by the caller) with next
// value D, enable EN and fault group GROUP, wired to the module's clk_i, rst_ni and ff_fault_i.
`ifndef FS_MACROS_SVH
`define FS_MACROS_SVH
`define FS_FF(NAME, WIDTH, GROUP, EN, D) \
  fs_ff #(.Width(WIDTH), .Group(GROUP)) u_``NAME ( \
    .clk_i, .rst_ni, .en_i(EN), .d_i(D), .q_o(NAME``_q), .fault_i(ff_fault_i));
`endif
