#include "model/soft_error/normal_math.h"

#include <algorithm>
#include <limits>

namespace flipsim::model {
namespace {

// Values of phi and Phi on [-kRange, kRange] in steps of 1 / kPerUnit, for linear interpolation.
constexpr int kPerUnit = 256;
constexpr int kRange = 9;
constexpr int kEntries = 2 * kRange * kPerUnit + 2;

struct NormalTable {
  double pdf[kEntries];
  double cdf[kEntries];
  NormalTable() {
    for (int i = 0; i < kEntries; ++i) {
      const double x = -kRange + double(i) / kPerUnit;
      pdf[i] = 0.3989422804014327 * std::exp(-0.5 * x * x);
      cdf[i] = 0.5 * std::erfc(-x * 0.7071067811865476);
    }
  }
};

const NormalTable& table() {
  static const NormalTable t;  // immutable after construction (thread-safe initialization)
  return t;
}

inline double lookup(const double* v, double x, double below, double above) {
  if (!(x > -kRange)) return below;
  if (!(x < kRange)) return above;
  const double pos = (x + kRange) * kPerUnit;
  const int i = int(pos);
  const double f = pos - i;
  return v[i] + f * (v[i + 1] - v[i]);
}

}  // namespace

double normal_pdf(double x) { return lookup(table().pdf, x, 0.0, 0.0); }
double normal_cdf(double x) { return lookup(table().cdf, x, 0.0, 1.0); }

namespace {

// clamped_normal(), also giving the probability `inside` of landing between the bounds.
MeanVar clamped_normal_inside(double c, double s, double lo, double hi, double& inside) {
  const double a = (lo - c) / s, b = (hi - c) / s;
  const double pa = std::isfinite(a) ? normal_cdf(a) : (a < 0 ? 0.0 : 1.0);
  const double pb = std::isfinite(b) ? normal_cdf(b) : (b < 0 ? 0.0 : 1.0);
  const double fa = std::isfinite(a) ? normal_pdf(a) : 0.0, fb = std::isfinite(b) ? normal_pdf(b) : 0.0;
  const double afa = std::isfinite(a) ? a * fa : 0.0, bfb = std::isfinite(b) ? b * fb : 0.0;
  const double mid = inside = pb - pa;
  const double lo_part = pa > 0 ? lo * pa : 0.0, hi_part = pb < 1 ? hi * (1 - pb) : 0.0;
  const double lo2 = pa > 0 ? lo * lo * pa : 0.0, hi2 = pb < 1 ? hi * hi * (1 - pb) : 0.0;
  const double m1 = lo_part + hi_part + c * mid + s * (fa - fb);
  const double m2 = lo2 + hi2 + (c * c + s * s) * mid + 2 * c * s * (fa - fb) + s * s * (afa - bfb);
  return {m1, std::max(0.0, m2 - m1 * m1)};
}

}  // namespace

MeanVar clamped_normal(double c, double s, double lo, double hi) {
  if (s <= 0) return {std::clamp(c, lo, hi), 0.0};
  double inside;
  return clamped_normal_inside(c, s, lo, hi, inside);
}

MeanVar rounded_clamped_normal(double c, double s, double lo, double hi) {
  const double y = std::clamp(std::floor(c + 0.5), lo, hi);
  if (s <= 0) return {y, 0.0};
  // Whole mass inside one rounding interval (or beyond a bound): the value does not move. Most neurons are here
  // at low rates, and this spares them the error functions.
  if (s < 0.125) {
    const double to_edge = std::min(c + 0.5 - std::floor(c + 0.5), std::floor(c + 0.5) + 0.5 - c);
    if (to_edge > 8.5 * s || (c + 8.5 * s < lo) || (c - 8.5 * s > hi)) return {y, 0.0};
  }
  if (s > 1) {
    // Rounding noise only where the value is not pinned to a bound.
    double inside;
    MeanVar m = clamped_normal_inside(c, s, lo, hi, inside);
    m.var += inside / 12.0;
    return m;
  }
  const double k_lo = std::max(lo, std::floor(c - 7 * s)), k_hi = std::min(hi, std::ceil(c + 7 * s));
  if (k_lo >= k_hi) return {std::clamp(std::floor(c + 0.5), lo, hi), 0.0};
  double m1 = 0, m2 = 0, below = 0.0;
  for (double k = k_lo; k <= k_hi; k += 1) {
    // P(floor(T + 1/2) = k) = P(k - 1/2 <= T < k + 1/2); the end points also take the tails beyond them.
    const double upper = k == k_hi ? 1.0 : normal_cdf((k + 0.5 - c) / s);
    const double pk = upper - below;
    below = upper;
    m1 += k * pk;
    m2 += k * k * pk;
  }
  return {m1, std::max(0.0, m2 - m1 * m1)};
}

MeanVar max_of_normals(const std::vector<MeanVar>& xs) {
  MeanVar acc = xs.front();
  for (size_t i = 1; i < xs.size(); ++i) {
    const MeanVar& x = xs[i];
    const double theta = std::sqrt(acc.var + x.var);
    if (theta < 1e-12) {
      acc = {std::max(acc.mean, x.mean), 0.0};
      continue;
    }
    const double alpha = (acc.mean - x.mean) / theta;
    const double pa = normal_cdf(alpha), pb = 1 - pa, f = normal_pdf(alpha);
    const double m1 = acc.mean * pa + x.mean * pb + theta * f;
    const double m2 = (acc.mean * acc.mean + acc.var) * pa + (x.mean * x.mean + x.var) * pb +
                      (acc.mean + x.mean) * theta * f;
    acc = {m1, std::max(0.0, m2 - m1 * m1)};
  }
  return acc;
}

}  // namespace flipsim::model

