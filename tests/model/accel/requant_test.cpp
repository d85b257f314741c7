#include "model/accel/requant.h"

#include <gtest/gtest.h>

#include <cmath>

namespace flipsim {
namespace {

TEST(Requant, WrapsLikeTwosComplement) {
  EXPECT_EQ(wrap_to_bits(127, 8), 127);
  EXPECT_EQ(wrap_to_bits(128, 8), -128);
  EXPECT_EQ(wrap_to_bits(-129, 8), 127);
  EXPECT_EQ(wrap_to_bits((int64_t(1) << 31), 32), -(int64_t(1) << 31));
  EXPECT_EQ(wrap_to_bits(-1, 48), -1);
}

TEST(Requant, RoundsHalfUpAndSaturates) {
  Requant rq;
  rq.multiplier = 1;
  rq.shift = 1;
  EXPECT_EQ(requantize(3, rq, 8), 2);    // 1.5 -> 2
  EXPECT_EQ(requantize(-3, rq, 8), -1);  // -1.5 -> -1 (half up)
  EXPECT_EQ(requantize(1000, rq, 8), 127);
  EXPECT_EQ(requantize(-1000, rq, 8), -128);
  EXPECT_EQ(requantize(100000, rq, 16), 32767);
}

TEST(Requant, ReluClampsAtZeroPoint) {
  Requant rq;
  rq.relu = true;
  rq.zero_point = 3;
  EXPECT_EQ(requantize(-50, rq, 8), 3);
  EXPECT_EQ(requantize(10, rq, 8), 13);
}

TEST(Requant, FromScaleApproximatesScale) {
  for (double scale : {1e-6, 3.7e-4, 0.0123, 0.5, 0.999, 1.0, 7.25}) {
    const Requant rq = requant_from_scale(scale);
    EXPECT_GE(rq.shift, 0);
    EXPECT_LE(rq.shift, 62);
    const double approx = double(rq.multiplier) / std::ldexp(1.0, rq.shift);
    EXPECT_NEAR(approx / scale, 1.0, 1e-6) << scale;
  }
  EXPECT_THROW(requant_from_scale(0.0), std::invalid_argument);
  EXPECT_THROW(requant_from_scale(-1.0), std::invalid_argument);
}

}  // namespace
}  // namespace flipsim

namespace flipsim {
namespace {

TEST(Requant, MaskingStages) {
  Requant rq;
  rq.multiplier = 1;
  rq.shift = 4;  // divide by 16, rounding half up
  EXPECT_STREQ(requant_masking_stage(100, 100, rq, 8), "rounding");
  EXPECT_STREQ(requant_masking_stage(97, 103, rq, 8), "rounding");  // both round to 6
  EXPECT_STREQ(requant_masking_stage(97, 140, rq, 8), "");
  EXPECT_STREQ(requant_masking_stage(5000, 9000, rq, 8), "saturation");  // 313 and 563 both clamp to 127
  rq.relu = true;
  EXPECT_STREQ(requant_masking_stage(-100, -900, rq, 8), "relu");
  EXPECT_STREQ(requant_masking_stage(-100, 900, rq, 8), "");
}

}  // namespace
}  // namespace flipsim
