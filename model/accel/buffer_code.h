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

/// What a read returns once `flip_mask` (the lane's data bits, then its check bits) has flipped the lane written
/// with `data`: the encoder's check bits for `data`, upset, through the decoder.
DecodedLane read_flipped_lane(Code code, bool zero_on_detect, uint64_t data, uint64_t flip_mask, int width);

/// What one read of a lane returns when each of its stored bits (data and the check bits in use) has flipped with
/// probability `ber`: the probabilities that the decoder corrects, detects, or returns other data unflagged
/// (silent). Exact over flip patterns of up to kMaxLanePatternBits bits (the codes are linear, so the outcome is the
/// pattern's alone); the rest, at most C(n, kMaxLanePatternBits + 1) ber^(kMaxLanePatternBits + 1), is left out.
struct LaneOutcomes {
  double corrected = 0, detected = 0, silent = 0;
  double silent_bits = 0;  ///< expected wrong data bits per read from the silent patterns
};
constexpr int kMaxLanePatternBits = 4;
LaneOutcomes lane_outcomes(Code code, int width, double ber);

}  // namespace flipsim
