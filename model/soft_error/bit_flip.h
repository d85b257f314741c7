// Bit flips in B-bit two's-complement values, and the exact moments of the error they cause.
//
// A stored value v has bits a_0 .. a_(B-1) with v = -2^(B-1) a_(B-1) + sum_(b<B-1) 2^b a_b. The value is linear in
// its bits, so flipping a set of bits changes v by the sum of the single-bit changes
//   d_b(v) = c_b (1 - 2 a_b),   c_b = 2^b for b < B-1,  c_(B-1) = -2^(B-1),
// i.e. +-2^b depending on the bit's current value, and -+2^(B-1) for the sign bit. With every bit flipping
// independently with probability p (the per-bit error rate, BER), the error delta = sum_b F_b d_b(v),
// F_b ~ Bernoulli(p), has the exact moments
//   E[delta] = p S1(v),  Var[delta] = p (1 - p) S2(v),   S1 = sum_b d_b(v),  S2 = sum_b d_b(v)^2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/accel/layer.h"

namespace flipsim::model {

/// The value v (in [-2^(bits-1), 2^(bits-1))) with bit `bit` flipped, as a signed integer of `bits` bits.
int32_t flip_bit(int32_t v, int bit, int bits);

/// The same for accumulator-width values (biases, up to 63 bits wide).
int64_t flip_bit(int64_t v, int bit, int bits);

/// A clip range stored as the bias buffer holds it (layer_plan.h's clip_lane: bits 0..bits-1 its lower bound,
/// bits..2 bits-1 its upper bound), and the range read back with bit `bit` of that lane flipped.
int64_t clip_bits(const ClipRange& range, int bits);
ClipRange flip_clip_bit(const ClipRange& range, int bit, int bits);

/// d_b(v): the change a flip of bit `bit` makes to v (flip_bit(v, bit, bits) - v).
int32_t flip_delta(int32_t v, int bit, int bits);

/// S1(v) = sum_b d_b(v) and S2(v) = sum_b d_b(v)^2 of one stored value.
struct FlipSums {
  double s1 = 0;
  double s2 = 0;
};
FlipSums flip_sums(int32_t v, int bits);

/// flip_sums() for every value of a `bits`-bit integer (bits <= 16), indexed by v + 2^(bits-1): the model looks
/// the sums up for every weight and activation, so they are tabulated once.
class FlipSumTable {
 public:
  explicit FlipSumTable(int bits);
  int bits() const { return bits_; }
  const FlipSums& operator()(int32_t v) const { return sums_[size_t(v + offset_)]; }

 private:
  int bits_;
  int32_t offset_;
  std::vector<FlipSums> sums_;
};

}  // namespace flipsim::model
