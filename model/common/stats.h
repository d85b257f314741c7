// Honest statistics for fault-injection rates.
#pragma once

#include <cstdint>
#include <utility>

namespace flipsim {

/// Two-sided standard-normal quantile for a confidence level in (0, 1), e.g. 0.95 -> 1.95996.
double normal_quantile_two_sided(double confidence);

/// Wilson score interval for k successes out of n at the given confidence; {0, 1} when n == 0.
std::pair<double, double> wilson_interval(uint64_t k, uint64_t n, double confidence = 0.95);

/// The same for a given standard-normal quantile z (1.96 for 95 %).
std::pair<double, double> wilson_interval_z(uint64_t k, uint64_t n, double z);

/// A proportion with its two-sided confidence interval.
struct Proportion {
  double value = 0;
  double low = 0;
  double high = 0;
};

/// Wilson score interval for `successes` out of `trials` (z = 1.96: 95 %) with the point estimate.
/// Zero trials give 0 in [0, 1].
Proportion wilson(uint64_t successes, uint64_t trials, double z = 1.959963984540054);

/// Exact two-sided McNemar test for paired binary outcomes: `b` pairs changed one way, `c` the other. The p-value
/// of b against c under Binomial(b + c, 1/2): min(1, 2 P(X <= min(b, c))); 1 when b + c == 0.
double mcnemar_exact_p(uint64_t b, uint64_t c);

/// Statistical fault-injection sample size (Leveugle et al., DATE 2009) for a population of `population`
/// possible faults, error margin e and confidence, with the worst-case p = 0.5:
///   n = N / (1 + e^2 (N - 1) / (t^2 p (1 - p))).
uint64_t leveugle_sample_size(double population, double margin, double confidence, double p = 0.5);

}  // namespace flipsim
