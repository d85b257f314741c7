#include "model/soft_error/bit_flip.h"

#include "model/accel/layer_plan.h"
#include "model/accel/requant.h"

namespace flipsim::model {

int32_t flip_bit(int32_t v, int bit, int bits) {
  const uint32_t mask = bits >= 32 ? ~uint32_t(0) : (uint32_t(1) << bits) - 1;
  uint32_t u = (uint32_t(v) & mask) ^ (uint32_t(1) << bit);
  if (bits < 32 && (u >> (bits - 1)) & 1u) u |= ~mask;  // sign-extend from `bits`
  return int32_t(u);
}

int64_t flip_bit(int64_t v, int bit, int bits) {
  return wrap_to_bits(int64_t(uint64_t(v) ^ (uint64_t(1) << bit)), bits);
}

int64_t clip_bits(const ClipRange& range, int bits) { return clip_lane(range, bits, 64); }

ClipRange flip_clip_bit(const ClipRange& range, int bit, int bits) {
  return clip_range_of_lane(int64_t(uint64_t(clip_bits(range, bits)) ^ (uint64_t(1) << bit)), bits);
}

int32_t flip_delta(int32_t v, int bit, int bits) { return flip_bit(v, bit, bits) - v; }

FlipSums flip_sums(int32_t v, int bits) {
  FlipSums s;
  for (int b = 0; b < bits; ++b) {
    const double d = flip_delta(v, b, bits);
    s.s1 += d;
    s.s2 += d * d;
  }
  return s;
}

FlipSumTable::FlipSumTable(int bits) : bits_(bits), offset_(int32_t(1) << (bits - 1)) {
  sums_.resize(size_t(1) << bits);
  for (int32_t v = -offset_; v < offset_; ++v) sums_[size_t(v + offset_)] = flip_sums(v, bits);
}

}  // namespace flipsim::model
