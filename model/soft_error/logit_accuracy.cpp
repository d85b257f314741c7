#include "model/soft_error/logit_accuracy.h"

#include <cmath>

#include "model/soft_error/normal_math.h"

namespace flipsim::model {
namespace {

// P(Z_k stays below level) for one competitor k.
double below(double level, double mu_k, double sd_k) {
  if (sd_k <= 0) return level > mu_k ? 1.0 : 0.0;
  return normal_cdf((level - mu_k) / sd_k);
}

}  // namespace

double p_correct_normal(const std::vector<int32_t>& z, const std::vector<double>& mean, const std::vector<double>& var,
                        int label) {
  const size_t n = z.size();
  const size_t l = size_t(label);
  auto product = [&](double zl) {
    double p = 1.0;
    for (size_t k = 0; k < n && p > 0; ++k) {
      if (k == l) continue;
      const double c = k < l ? 0.5 : -0.5;
      p *= below(zl - c, z[k] + mean[k], std::sqrt(var[k]));
    }
    return p;
  };
  const double mu_l = z[l] + mean[l], sd_l = std::sqrt(var[l]);
  if (sd_l <= 0) return product(mu_l);
  // Simpson's rule on t in [-8, 8]: the integrand is smooth in t, and 320 panels resolve a competitor whose sd is
  // far below sd_l (a step of width sd_k / sd_l in t) well enough for probabilities.
  constexpr int kPanels = 320;
  constexpr double kLo = -8.0, kHi = 8.0, h = (kHi - kLo) / kPanels;
  double sum = 0;
  for (int i = 0; i <= kPanels; ++i) {
    const double t = kLo + i * h;
    const double w = (i == 0 || i == kPanels) ? 1.0 : (i % 2 ? 4.0 : 2.0);
    sum += w * normal_pdf(t) * product(mu_l + sd_l * t);
  }
  return sum * h / 3.0;
}

}  // namespace flipsim::model

namespace flipsim::model {

Eigen::MatrixXd covariance_root(const Eigen::MatrixXd& cov) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(cov);
  return es.eigenvectors() * es.eigenvalues().cwiseMax(0.0).cwiseSqrt().asDiagonal();
}

Eigen::MatrixXd standard_normal_draws(Eigen::Index dims, int pairs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  Eigen::MatrixXd d(dims, 2 * Eigen::Index(pairs));
  for (Eigen::Index j = 0; j < pairs; ++j)
    for (Eigen::Index i = 0; i < dims; ++i) {
      d(i, 2 * j) = normal(rng);
      d(i, 2 * j + 1) = -d(i, 2 * j);
    }
  return d;
}

int faulty_top1(const std::vector<int32_t>& z, const Eigen::VectorXd& e) {
  int best = 0;
  double best_v = -HUGE_VAL;
  for (size_t k = 0; k < z.size(); ++k) {
    const double v = std::floor(z[k] + e[Eigen::Index(k)] + 0.5);
    if (v > best_v) {
      best_v = v;
      best = int(k);
    }
  }
  return best;
}

TopOneOdds top1_odds_gaussian(const std::vector<int32_t>& z, const LogitGaussian& g, int label,
                              const Eigen::MatrixXd& draws) {
  const int golden = faulty_top1(z, Eigen::VectorXd::Zero(Eigen::Index(z.size())));
  if (g.cov.isZero(0)) {
    const int t = faulty_top1(z, g.mean);
    return {t == label ? 1.0 : 0.0, t == golden ? 1.0 : 0.0};
  }
  const Eigen::MatrixXd e = covariance_root(g.cov) * draws;
  int ok = 0, same = 0;
  for (Eigen::Index s = 0; s < e.cols(); ++s) {
    const int t = faulty_top1(z, g.mean + e.col(s));
    ok += t == label;
    same += t == golden;
  }
  return {double(ok) / double(e.cols()), double(same) / double(e.cols())};
}

}  // namespace flipsim::model
