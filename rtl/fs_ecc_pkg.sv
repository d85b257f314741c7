// Geometry of the per-lane error-detecting codes (fs_ecc.sv). Kept apart from fs_pkg, whose forms the C++
// header generator reads: the C++ side has its own copy of check_bits() (testbench/protection.h), and the
// site-map test proves the two agree on the stored width of every buffer lane.
package fs_ecc_pkg;

  // Hamming check bits for k data bits: the smallest r with 2^r >= k + r + 1.
  function automatic int unsigned hamming_bits(input int unsigned k);
    int unsigned r;
    hamming_bits = 0;
    for (r = 1; r < 16; r++) if (hamming_bits == 0 && (1 << r) >= k + r + 1) hamming_bits = r;
  endfunction

  // Check bits stored beside each lane in a Protectable build: enough for SECDED (Hamming plus an overall
  // parity bit); parity uses the first of them.
  function automatic int unsigned check_bits(input int unsigned k);
    check_bits = hamming_bits(k) + 1;
  endfunction

  // 1-based Hamming position of data bit i: data bits fill the positions that are not powers of two, in order.
  function automatic int unsigned data_position(input int unsigned i);
    int unsigned p, n;
    data_position = 0;
    n = 0;
    for (p = 3; p < 256; p++) begin
      if ((p & (p - 1)) != 0) begin
        if (n == i && data_position == 0) data_position = p;
        n++;
      end
    end
  endfunction

  // Data bits whose position has bit j set: the bits Hamming check bit j covers.
  function automatic logic [63:0] cover_mask(input int unsigned k, input int unsigned j);
    int unsigned i;
    cover_mask = '0;
    for (i = 0; i < k; i++) cover_mask[i] = 1'((data_position(i) >> j) & 1);
  endfunction

endpackage
