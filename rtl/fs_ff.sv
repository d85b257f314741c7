// A register with enable and a fault hook: the one primitive every state bit of the design is built from,
// so that the flip-flop fault port reaches each of them the same way.
module fs_ff #(
  parameter int unsigned Width = 1,
  parameter int unsigned Group = 0,
  parameter int unsigned Replica = 0  // which copy of a replicated register (fs_ff_redundant)
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 en_i,
  input  logic [Width-1:0]     d_i,
  output logic [Width-1:0]     q_o,
  input  fs_pkg::ff_fault_t    fault_i
);

  logic [Width-1:0] hold_d, q_d, q_q;
  logic             hit;

  // A held register is upset too: the fault applies whether or not the register is being written.
  assign hold_d = en_i ? d_i : q_q;
`ifdef FS_NO_FAULT_PORT
  // Benchmark build without the fault hook, to measure what the port costs in simulation speed.
  assign hit    = 1'b0;
`else
  assign hit    = fault_i.valid && (fault_i.group == fs_pkg::FaultGroupWidth'(Group)) &&
                  (fault_i.replica == fs_pkg::FaultReplicaWidth'(Replica));
`endif

  // Registers wider than FaultMaskWidth do not elaborate: their owners split them into several groups.
  logic [Width-1:0] flipped;
  assign flipped = hold_d ^ fault_i.flip_mask[Width-1:0];
  assign q_d = hit ? ((flipped & ~fault_i.force_mask[Width-1:0]) |
                      (fault_i.force_value[Width-1:0] & fault_i.force_mask[Width-1:0]))
                   : hold_d;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) q_q <= '0;
    else         q_q <= q_d;
  end

  assign q_o = q_q;
endmodule
