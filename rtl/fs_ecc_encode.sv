// Encoder of the buffers' per-lane error-detecting codes (fs_ecc_pkg), on the SRAM write path. The code in use
// is chosen at run time (fs_pkg::prot_t); CodeNone stores zero check bits.
module fs_ecc_encode #(
  parameter int unsigned Width = 8,
  localparam int unsigned CheckWidth = fs_ecc_pkg::check_bits(Width)
) (
  input  fs_pkg::code_e          code_i,
  input  logic [Width-1:0]       data_i,
  output logic [CheckWidth-1:0]  check_o
);
  localparam int unsigned HammingWidth = CheckWidth - 1;

  logic [HammingWidth-1:0] hamming;
  for (genvar j = 0; j < HammingWidth; j++) begin : g_hamming
    localparam logic [63:0] Cover = fs_ecc_pkg::cover_mask(Width, j);
    assign hamming[j] = ^(data_i & Cover[Width-1:0]);
  end

  always_comb begin
    check_o = '0;
    unique case (code_i)
      fs_pkg::CodeParity: check_o[0] = ^data_i;
      // The overall bit makes the whole codeword's parity even, which tells one flip from two.
      fs_pkg::CodeSecded: check_o = {^{data_i, hamming}, hamming};
      default: ;
    endcase
  end
endmodule
