// Bit-exact integer arithmetic of the accelerator datapath.
#pragma once

#include <cstdint>

#include "model/accel/layer.h"

namespace flipsim {

// Inline: the simulators call these once per output value.

/// Wraps v to a two's-complement integer of `bits` bits (the accumulator's behaviour on overflow).
inline int64_t wrap_to_bits(int64_t v, int bits) {
  if (bits >= 64) return v;
  const uint64_t mask = (uint64_t(1) << bits) - 1;
  uint64_t u = uint64_t(v) & mask;
  if (u >> (bits - 1)) u |= ~mask;
  return int64_t(u);
}

/// Saturates v to the signed range of `bits` bits.
inline int64_t saturate_to_bits(int64_t v, int bits) {
  const int64_t hi = (int64_t(1) << (bits - 1)) - 1;
  const int64_t lo = -(int64_t(1) << (bits - 1));
  return v > hi ? hi : (v < lo ? lo : v);
}

/// The post-processing unit's requantization of one accumulator value (see Requant).
int32_t requantize(int64_t acc, const Requant& rq, int data_bits);

/// Where the PPU's stages make two accumulator values produce the same output: "rounding" (equal after the
/// multiply and rounding shift), "relu" (both clamped at the zero point), "saturation" (both saturate to the
/// same bound; with `clip`, also both clipped to the same bound of the channel's range), or "" when the outputs
/// differ. Equal inputs give "rounding".
const char* requant_masking_stage(int64_t a, int64_t b, const Requant& rq, int data_bits,
                                  const ClipRange* clip = nullptr);

/// Chooses multiplier and shift so that acc * multiplier >> shift approximates acc * scale (0 < scale < 2^31),
/// with the multiplier in [2^30, 2^31) for the most precision.
Requant requant_from_scale(double scale);

}  // namespace flipsim
