// The per-lane outcome probabilities the bit-error-rate prediction uses, against the binomial sums they must equal
// (decode_lane itself is held to the RTL in tests/rtl/protection_leaf_test.cpp).
#include <gtest/gtest.h>

#include <cmath>

#include "model/accel/buffer_code.h"

namespace flipsim {
namespace {

double choose(int n, int k) { return std::tgamma(n + 1.0) / (std::tgamma(k + 1.0) * std::tgamma(n - k + 1.0)); }
double exactly(int n, int k, double p) { return choose(n, k) * std::pow(p, k) * std::pow(1 - p, n - k); }

class LaneOutcomesTest : public ::testing::TestWithParam<int> {};

TEST_P(LaneOutcomesTest, ParityDetectsOddAndMissesEvenFlipCounts) {
  const int w = GetParam(), n = w + 1;
  for (double p : {1e-6, 1e-4, 1e-2}) {
    const LaneOutcomes o = lane_outcomes(Code::kParity, w, p);
    EXPECT_NEAR(o.detected, exactly(n, 1, p) + exactly(n, 3, p), 1e-12 * o.detected) << p;
    // Two or four flips: at least one lands in the data (one check bit), so the read is wrong and unflagged.
    EXPECT_NEAR(o.silent, exactly(n, 2, p) + exactly(n, 4, p), 1e-12 * o.silent) << p;
    // Two flips: both in data bits, or one in the check bit.
    const double data_pairs = choose(w, 2) / choose(n, 2);
    EXPECT_GT(o.silent_bits, exactly(n, 2, p) * (2 * data_pairs + (1 - data_pairs)) * (1 - 1e-12)) << p;
    EXPECT_EQ(o.corrected, 0.0);
  }
}

TEST_P(LaneOutcomesTest, SecdedCorrectsOneDetectsTwoAndLeavesOnlyThreeOrMoreSilent) {
  const int w = GetParam(), n = w + check_bits(w);
  for (double p : {1e-6, 1e-4, 1e-2}) {
    const LaneOutcomes o = lane_outcomes(Code::kSecded, w, p);
    EXPECT_GE(o.corrected, exactly(n, 1, p) * (1 - 1e-12)) << p;
    EXPECT_GE(o.detected, exactly(n, 2, p) * (1 - 1e-12)) << p;
    EXPECT_LE(o.silent, exactly(n, 3, p) + exactly(n, 4, p)) << p;
    EXPECT_GT(o.silent, 0.0) << "some triple flips are miscorrected";
    // Every pattern of one to four flips has exactly one outcome.
    double any = 0;
    for (int k = 1; k <= kMaxLanePatternBits; ++k) any += exactly(n, k, p);
    EXPECT_NEAR(o.corrected + o.detected + o.silent, any, 1e-12 * any) << p;
  }
}

TEST_P(LaneOutcomesTest, UncodedLaneIsWrongOnAnyFlip) {
  const int w = GetParam();
  const LaneOutcomes o = lane_outcomes(Code::kNone, w, 1e-3);
  double any = 0;
  for (int k = 1; k <= kMaxLanePatternBits; ++k) any += exactly(w, k, 1e-3);
  EXPECT_NEAR(o.silent, any, 1e-12 * any);
  EXPECT_EQ(o.detected + o.corrected, 0.0);
}

INSTANTIATE_TEST_SUITE_P(Widths, LaneOutcomesTest, ::testing::Values(8, 16, 32));

}  // namespace
}  // namespace flipsim
