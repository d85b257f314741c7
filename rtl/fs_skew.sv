// Per-lane delay lines at the array edges: lane i is delayed by i cycles (Reverse = 0, input skew) or by
// Lanes-1-i cycles (Reverse = 1, output deskew), so a row of values enters or leaves the array together.
module fs_skew #(
  parameter int unsigned Lanes     = 8,
  parameter int unsigned Width     = 8,
  parameter bit          Reverse   = 1'b0,
  parameter int unsigned GroupBase = 0    // one group per lane and stage: GroupBase + lane * Lanes + stage
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,
  input  logic [Lanes-1:0][Width-1:0] data_i,
  input  logic [Lanes-1:0]       valid_i,
  output logic [Lanes-1:0][Width-1:0] data_o,
  output logic [Lanes-1:0]       valid_o,
  input  fs_pkg::ff_fault_t      fault_i
);
  for (genvar lane = 0; lane < Lanes; lane++) begin : g_lane
    localparam int unsigned Delay = Reverse ? Lanes - 1 - lane : lane;
    if (Delay == 0) begin : g_pass
      assign data_o[lane]  = data_i[lane];
      assign valid_o[lane] = valid_i[lane];
    end else begin : g_delay
      logic [Delay:0][Width:0] stage;  // stage 0 is the input; {valid, data}
      assign stage[0] = {valid_i[lane], data_i[lane]};
      for (genvar s = 0; s < Delay; s++) begin : g_stage
        fs_ff #(.Width(Width + 1), .Group(GroupBase + lane * Lanes + s)) u_reg (
          .clk_i, .rst_ni, .en_i(1'b1), .d_i(stage[s]), .q_o(stage[s+1]), .fault_i);
      end
      assign data_o[lane]  = stage[Delay][Width-1:0];
      assign valid_o[lane] = stage[Delay][Width];
    end
  end
endmodule
