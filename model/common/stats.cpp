#include "model/common/stats.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace flipsim {

namespace {

/// Inverse of the standard normal CDF (Acklam's rational approximation, refined by one Halley step).
double inverse_normal_cdf(double p) {
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                 1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01,  -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  double x;
  if (p < 0.02425) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    const double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  const double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

}  // namespace

double normal_quantile_two_sided(double confidence) {
  if (!(confidence > 0 && confidence < 1)) throw std::invalid_argument("confidence must be in (0, 1)");
  return inverse_normal_cdf(1 - (1 - confidence) / 2);
}

std::pair<double, double> wilson_interval(uint64_t k, uint64_t n, double confidence) {
  return wilson_interval_z(k, n, normal_quantile_two_sided(confidence));
}

std::pair<double, double> wilson_interval_z(uint64_t k, uint64_t n, double z) {
  if (n == 0) return {0.0, 1.0};
  const double p = double(k) / double(n), nn = double(n);
  const double denom = 1 + z * z / nn;
  const double centre = (p + z * z / (2 * nn)) / denom;
  const double half = z * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / denom;
  // The bounds are exactly 0 and 1 at the ends; rounding must not leave 1e-17 there.
  return {k == 0 ? 0.0 : std::max(0.0, centre - half), k == n ? 1.0 : std::min(1.0, centre + half)};
}

Proportion wilson(uint64_t successes, uint64_t trials, double z) {
  if (trials == 0) return {0.0, 0.0, 1.0};
  const auto [low, high] = wilson_interval_z(successes, trials, z);
  return {double(successes) / double(trials), low, high};
}

uint64_t leveugle_sample_size(double population, double margin, double confidence, double p) {
  if (!(margin > 0 && margin < 1)) throw std::invalid_argument("margin must be in (0, 1)");
  const double t = normal_quantile_two_sided(confidence);
  const double n = population / (1 + margin * margin * (population - 1) / (t * t * p * (1 - p)));
  return uint64_t(std::ceil(n));
}

double mcnemar_exact_p(uint64_t b, uint64_t c) {
  const uint64_t n = b + c, k = std::min(b, c);
  if (n == 0) return 1.0;
  // Summed in log space: n may be large enough for 2^n and the binomial coefficients to overflow a double.
  double tail = 0;
  for (uint64_t i = 0; i <= k; ++i)
    tail += std::exp(std::lgamma(double(n) + 1) - std::lgamma(double(i) + 1) - std::lgamma(double(n - i) + 1) -
                     double(n) * std::log(2.0));
  return std::min(1.0, 2 * tail);
}

}  // namespace flipsim
