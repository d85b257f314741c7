// Moments of a normally distributed quantity after the integer datapath's non-linearities: round half up,
// saturation / ReLU clamping, and the maximum of a pooling window.
#pragma once

#include <cmath>
#include <vector>

namespace flipsim::model {

/// Standard normal density and distribution function, interpolated in a table (absolute error below 1e-6): the
/// model evaluates them for every neuron at every rate, where the library's exp and erfc dominated the run time.
double normal_pdf(double x);
double normal_cdf(double x);

/// Mean and variance of a random quantity.
struct MeanVar {
  double mean = 0;
  double var = 0;
};

/// Y = clamp(T, lo, hi) for T ~ N(c, s^2) (a censored normal; lo may be -inf, hi +inf).
MeanVar clamped_normal(double c, double s, double lo, double hi);

/// Y = clamp(floor(T + 1/2), lo, hi) for T ~ N(c, s^2), lo and hi integers (or infinite): the requantizer's round
/// half up and saturation. Summed over the integers exactly while s <= 1 LSB (where rounding masks most
/// disturbances); above, the continuous censored normal plus the 1/12 LSB^2 of rounding noise.
MeanVar rounded_clamped_normal(double c, double s, double lo, double hi);

/// Clark's (1961) moment matching for the maximum of independent normals N(mean_i, var_i): the maximum of the
/// first two is replaced by a normal with its exact mean and variance, and so on.
MeanVar max_of_normals(const std::vector<MeanVar>& xs);

}  // namespace flipsim::model

