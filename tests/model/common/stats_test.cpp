#include "model/common/stats.h"

#include <gtest/gtest.h>

namespace flipsim {
namespace {

TEST(Stats, NormalQuantiles) {
  EXPECT_NEAR(normal_quantile_two_sided(0.95), 1.959964, 1e-5);
  EXPECT_NEAR(normal_quantile_two_sided(0.99), 2.575829, 1e-5);
  EXPECT_NEAR(normal_quantile_two_sided(0.90), 1.644854, 1e-5);
}

TEST(Stats, WilsonIntervalMatchesReferenceValues) {
  // Reference: Wilson score interval, z = 1.96 (e.g. Newcombe 1998, Table I: 81/263).
  const auto [lo, hi] = wilson_interval(81, 263, 0.95);
  EXPECT_NEAR(lo, 0.2553, 5e-4);
  EXPECT_NEAR(hi, 0.3662, 5e-4);
  const auto [lo0, hi0] = wilson_interval(0, 10, 0.95);
  EXPECT_EQ(lo0, 0.0);
  EXPECT_NEAR(hi0, 0.2775, 5e-4);
  EXPECT_EQ(wilson_interval(0, 0).second, 1.0);
}

// Reference values: 10 against 1 discordant pairs, 2 * (1 + 11) / 2^11; one-sided extremes; no discordance.
TEST(Stats, McNemarExactMatchesTheBinomialTail) {
  EXPECT_NEAR(mcnemar_exact_p(10, 1), 24.0 / 2048.0, 1e-12);
  EXPECT_NEAR(mcnemar_exact_p(1, 10), 24.0 / 2048.0, 1e-12);
  EXPECT_NEAR(mcnemar_exact_p(5, 0), 2.0 / 32.0, 1e-12);
  EXPECT_DOUBLE_EQ(mcnemar_exact_p(3, 3), 1.0);
  EXPECT_DOUBLE_EQ(mcnemar_exact_p(0, 0), 1.0);
  EXPECT_LT(mcnemar_exact_p(600, 400), 1e-9);  // large n stays finite
  EXPECT_GT(mcnemar_exact_p(600, 400), 0.0);
}

TEST(Stats, LeveugleSampleSize) {
  // Leveugle et al. (DATE 2009): e = 1 %, 99 % confidence, large population -> about 16,600 injections.
  EXPECT_NEAR(double(leveugle_sample_size(1e12, 0.01, 0.99)), 16587, 5);
  // e = 5 %, 95 %: 385 for a large population; a small population needs fewer.
  EXPECT_EQ(leveugle_sample_size(1e12, 0.05, 0.95), 385u);
  EXPECT_LT(leveugle_sample_size(1000, 0.05, 0.95), 300u);
  EXPECT_THROW(leveugle_sample_size(100, 0, 0.95), std::invalid_argument);
}

}  // namespace
}  // namespace flipsim
