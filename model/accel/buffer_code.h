// The buffers' per-lane codes as the RTL computes them (rtl/fs_ecc_encode.sv, rtl/fs_ecc_decode.sv), bit for bit:
// the architectural model reads a coded word as the decoder would return it. tests/rtl/protection_leaf_test.cpp
// holds both functions to the Verilated circuits on every stored word of an 8-bit lane and on samples at 16 and
// 32 bits.
#pragma once

#include <cstdint>

#include "model/accel/protection.h"

namespace flipsim {

/// Check bits the encoder stores beside `data` (a lane of `width` bits): none, one parity bit, or the Hamming bits
/// with the overall parity bit above them.
uint64_t encode_check(Code code, uint64_t data, int width);

struct DecodedLane {
  uint64_t data = 0;       ///< what the read returns
  bool detected = false;   ///< an error the code cannot correct
  bool corrected = false;  ///< a single flip, corrected (in data or check bits)
};

/// What the decoder returns for a lane stored as `data` and `check`.
DecodedLane decode_lane(Code code, bool zero_on_detect, uint64_t data, uint64_t check, int width);

}  // namespace flipsim
