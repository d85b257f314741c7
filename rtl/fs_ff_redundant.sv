// A register built from fs_pkg::Replicas copies of fs_ff (one fault group, told apart by the fault port's
// replica field), with the redundancy in use chosen at run time: none (copy 0 alone), DMR (copies 0 and 1
// compared: a difference is detected) or TMR (the bitwise majority of three; while the register holds, the
// majority is written back, so a flipped copy is repaired at the next clock edge). The *Upper modes protect
// only bits [Width-1:Width/2]; the other bits are copy 0's.
module fs_ff_redundant #(
  parameter int unsigned Width = 1,
  parameter int unsigned Group = 0
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 en_i,
  input  logic [Width-1:0]     d_i,
  output logic [Width-1:0]     q_o,
  input  fs_pkg::redund_e      redund_i,
  input  logic                 zero_on_detect_i,
  output logic                 detected_o,
  output logic                 corrected_o,
  input  fs_pkg::ff_fault_t    fault_i
);
  // Yosys (the cost synthesis) reads neither package imports nor multi-dimensional packed arrays here.
  localparam int unsigned UpperLsb = Width / 2;
  localparam logic [Width-1:0] UpperMask = {Width{1'b1}} << UpperLsb;

  logic [fs_pkg::Replicas*Width-1:0] copies;  // copy r at [r * Width +: Width]
  logic [Width-1:0]                  q0, q1, q2, voted, covered;
  logic                              tmr, dmr;

  assign {q2, q1, q0} = copies;  // fs_pkg::Replicas is 3: anything else is a width error here
  assign tmr     = redund_i == fs_pkg::RedundTmr || redund_i == fs_pkg::RedundTmrUpper;
  assign dmr     = redund_i == fs_pkg::RedundDmr || redund_i == fs_pkg::RedundDmrUpper;
  assign covered = (redund_i == fs_pkg::RedundTmrUpper || redund_i == fs_pkg::RedundDmrUpper) ? UpperMask
                                                                                              : {Width{1'b1}};
  assign voted   = (q0 & q1) | (q1 & q2) | (q0 & q2);

  for (genvar r = 0; r < fs_pkg::Replicas; r++) begin : g_copy
    // A held TMR register takes the vote (on the bits it covers); every other copy holds its own value.
    logic [Width-1:0] own, hold;
    assign own  = copies[r * Width +: Width];
    assign hold = tmr ? (own & ~covered) | (voted & covered) : own;
    // Kept apart in synthesis: without the fault hook the copies are the same logic, which Yosys would merge.
    (* keep_hierarchy *) fs_ff #(.Width(Width), .Group(Group), .Replica(r)) u_copy (
      .clk_i, .rst_ni, .en_i(1'b1), .d_i(en_i ? d_i : hold), .q_o(copies[r * Width +: Width]), .fault_i);
  end

  always_comb begin
    q_o         = q0;
    detected_o  = 1'b0;
    corrected_o = 1'b0;
    if (tmr) begin
      q_o         = (q0 & ~covered) | (voted & covered);
      corrected_o = |(((q0 ^ q1) | (q1 ^ q2)) & covered);
    end else if (dmr) begin
      detected_o = |((q0 ^ q1) & covered);
      if (detected_o && zero_on_detect_i) q_o = '0;
    end
  end
endmodule
