// Confidence intervals for measured rates.
#pragma once

#include <cstdint>

namespace flipsim::model {

/// A proportion with its two-sided confidence interval.
struct Proportion {
  double value = 0;
  double low = 0;
  double high = 0;
};

/// Wilson score interval for `successes` out of `trials` (z = 1.96: 95 %). Zero trials give [0, 1].
Proportion wilson(uint64_t successes, uint64_t trials, double z = 1.959963984540054);

}  // namespace flipsim::model
