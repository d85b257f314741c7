#include "model/soft_error/bit_flip.h"

#include <gtest/gtest.h>

namespace flipsim::model {
namespace {

TEST(FlipBit, TwosComplementInt8) {
  EXPECT_EQ(flip_bit(5, 0, 8), 4);
  EXPECT_EQ(flip_bit(5, 1, 8), 7);
  EXPECT_EQ(flip_bit(5, 7, 8), 5 - 128);    // sign bit of a positive value: -2^7
  EXPECT_EQ(flip_bit(-1, 7, 8), 127);       // sign bit of a negative value: +2^7
  EXPECT_EQ(flip_bit(-128, 7, 8), 0);
  EXPECT_EQ(flip_bit(127, 6, 8), 63);
  EXPECT_EQ(flip_bit(0, 6, 8), 64);
}

TEST(FlipBit, TwosComplementInt16) {
  EXPECT_EQ(flip_bit(1000, 15, 16), 1000 - 32768);
  EXPECT_EQ(flip_bit(-32768, 15, 16), 0);
  EXPECT_EQ(flip_bit(-1, 0, 16), -2);
  EXPECT_EQ(flip_bit(0, 14, 16), 16384);
}

TEST(FlipBit, FlippingTwiceRestoresEveryValue) {
  for (int bits : {2, 4, 8, 16})
    for (int32_t v = -(1 << (bits - 1)); v < (1 << (bits - 1)); v += bits == 16 ? 7 : 1)
      for (int b = 0; b < bits; ++b) {
        const int32_t f = flip_bit(v, b, bits);
        EXPECT_GE(f, -(1 << (bits - 1)));
        EXPECT_LT(f, 1 << (bits - 1));
        EXPECT_EQ(flip_bit(f, b, bits), v);
        // The change is +-2^b, -+2^(B-1) for the sign bit.
        const int32_t mag = b == bits - 1 ? (1 << (bits - 1)) : (1 << b);
        EXPECT_EQ(std::abs(flip_delta(v, b, bits)), mag);
      }
}

TEST(FlipSums, MatchTheirDefinitionAndTable) {
  const FlipSumTable table(8);
  for (int32_t v = -128; v < 128; ++v) {
    double s1 = 0, s2 = 0;
    for (int b = 0; b < 8; ++b) {
      const double d = double(flip_bit(v, b, 8)) - v;
      s1 += d;
      s2 += d * d;
    }
    EXPECT_DOUBLE_EQ(table(v).s1, s1) << v;
    EXPECT_DOUBLE_EQ(table(v).s2, s2) << v;
  }
  // Every bit contributes 4^b to S2 whatever its value: S2 is the same for all values.
  EXPECT_DOUBLE_EQ(table(0).s2, (65536.0 - 1) / 3);
  // Zero: every flip adds 2^b except the sign bit's -128, so S1 = 127 - 128.
  EXPECT_DOUBLE_EQ(table(0).s1, -1.0);
}

}  // namespace
}  // namespace flipsim::model
