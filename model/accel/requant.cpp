#include "model/accel/requant.h"

#include <cmath>
#include <stdexcept>

namespace flipsim {

namespace {
__int128 rounded_product(int64_t acc, const Requant& rq);
}  // namespace

int32_t requantize(int64_t acc, const Requant& rq, int data_bits) {
  __int128 value = rounded_product(acc, rq) + rq.zero_point;
  if (rq.relu && value < rq.zero_point) value = rq.zero_point;
  const __int128 hi = (__int128(1) << (data_bits - 1)) - 1;
  const __int128 lo = -(__int128(1) << (data_bits - 1));
  if (value > hi) value = hi;
  if (value < lo) value = lo;
  return int32_t(value);
}

namespace {

__int128 rounded_product(int64_t acc, const Requant& rq) {
  __int128 value = __int128(acc) * rq.multiplier;
  if (rq.shift > 0) value = (value + (__int128(1) << (rq.shift - 1))) >> rq.shift;
  return value;
}

}  // namespace

const char* requant_masking_stage(int64_t a, int64_t b, const Requant& rq, int data_bits, const ClipRange* clip) {
  const __int128 ra = rounded_product(a, rq) + rq.zero_point, rb = rounded_product(b, rq) + rq.zero_point;
  if (ra == rb) return "rounding";
  if (rq.relu && ra <= rq.zero_point && rb <= rq.zero_point) return "relu";
  const int32_t ya = requantize(a, rq, data_bits), yb = requantize(b, rq, data_bits);
  if (ya == yb || (clip && clip->apply(ya) == clip->apply(yb))) return "saturation";
  return "";
}

Requant requant_from_scale(double scale) {
  if (!(scale > 0) || !std::isfinite(scale) || scale >= 2147483648.0)
    throw std::invalid_argument("requantization scale must be in (0, 2^31), got " + std::to_string(scale));
  int exponent = 0;
  const double mantissa = std::frexp(scale, &exponent);  // scale = mantissa * 2^exponent, mantissa in [0.5, 1)
  int64_t multiplier = std::llround(mantissa * double(int64_t(1) << 31));
  int shift = 31 - exponent;
  if (multiplier == (int64_t(1) << 31)) {
    multiplier >>= 1;
    --shift;
  }
  // Shifts outside the hardware's range: trade multiplier precision for range.
  while (shift > 62) {
    multiplier >>= 1;
    --shift;
  }
  while (shift < 0) {
    if (multiplier >= (int64_t(1) << 30)) throw std::invalid_argument("requantization scale too large");
    multiplier <<= 1;
    ++shift;
  }
  Requant rq;
  rq.multiplier = int32_t(multiplier);
  rq.shift = shift;
  return rq;
}

}  // namespace flipsim
