// Decoder of the buffers' per-lane codes (fs_ecc_encode), on the SRAM read path: corrects what the code can
// and reports the rest.
module fs_ecc_decode #(
  parameter int unsigned Width = 8,
  localparam int unsigned CheckWidth = fs_ecc_pkg::check_bits(Width)
) (
  input  fs_pkg::code_e          code_i,
  input  logic                   zero_on_detect_i,
  input  logic [Width-1:0]       data_i,
  input  logic [CheckWidth-1:0]  check_i,
  output logic [Width-1:0]       data_o,
  output logic                   detected_o,   // an error the code cannot correct
  output logic                   corrected_o   // a single flip, corrected (in data or check bits)
);
  localparam int unsigned HammingWidth = CheckWidth - 1;
  localparam int unsigned Positions    = Width + HammingWidth;  // valid syndromes are 1 .. Positions

  logic [HammingWidth-1:0] syndrome;
  logic [Width-1:0]        flip;
  logic                    odd;
  for (genvar j = 0; j < HammingWidth; j++) begin : g_syndrome
    localparam logic [63:0] Cover = fs_ecc_pkg::cover_mask(Width, j);
    assign syndrome[j] = check_i[j] ^ ^(data_i & Cover[Width-1:0]);
  end
  for (genvar i = 0; i < Width; i++) begin : g_flip
    // A parameter, so that the function runs at elaboration, not at every evaluation of the simulation.
    localparam logic [HammingWidth-1:0] Position = HammingWidth'(fs_ecc_pkg::data_position(i));
    assign flip[i] = syndrome == Position;
  end
  assign odd = ^{data_i, check_i};

  always_comb begin
    data_o      = data_i;
    detected_o  = 1'b0;
    corrected_o = 1'b0;
    unique case (code_i)
      fs_pkg::CodeParity: detected_o = ^{data_i, check_i[0]};
      fs_pkg::CodeSecded: begin
        if (!odd) begin
          detected_o = syndrome != '0;  // an even number of flips, not zero: two
        end else if (32'(syndrome) > Positions) begin
          detected_o = 1'b1;  // odd, but no single flip gives this syndrome: three or more
        end else begin
          data_o      = data_i ^ flip;  // syndrome 0 or a check position: the data is intact
          corrected_o = 1'b1;
        end
      end
      default: ;
    endcase
    if (detected_o && zero_on_detect_i) data_o = '0;
  end
endmodule
