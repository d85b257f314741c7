// From a disturbance at the logits to the chance that an image keeps its class.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <random>
#include <vector>

namespace flipsim::model {

/// P(argmax(z + e) == label) for integer golden logits z and independent normal disturbances e_k ~ N(mean_k,
/// var_k), with the integer datapath's tie rule (the first maximum wins) as a continuity correction: class k < label
/// must stay at least one LSB below, class k > label must not get above. Computed as
///   integral phi(t) prod_(k != label) Phi((z_l + mean_l + sd_l t - z_k - mean_k - c_k) / sd_k) dt,
/// c_k = +1/2 (k < label) or -1/2 (k > label), on a fine grid of t (exact when sd_label is 0).
double p_correct_normal(const std::vector<int32_t>& z, const std::vector<double>& mean, const std::vector<double>& var,
                        int label);

/// Mean and covariance of the logit disturbance (faulty minus golden logits).
struct LogitGaussian {
  Eigen::VectorXd mean;
  Eigen::MatrixXd cov;
};

/// A square root S of a covariance (S S^T = cov; negative eigenvalues, from a signed residual, clipped to 0).
Eigen::MatrixXd covariance_root(const Eigen::MatrixXd& cov);

/// Fixed standard normal draws (one column per draw, antithetic pairs), shared by every image and rate: common
/// random numbers make predicted curves smooth in the rate.
Eigen::MatrixXd standard_normal_draws(Eigen::Index dims, int pairs, uint64_t seed);

/// argmax(round(z + e)) with the first maximum winning, as the integer datapath decides.
int faulty_top1(const std::vector<int32_t>& z, const Eigen::VectorXd& e);

/// P(top-1 == label) and P(top-1 == golden top-1) under a logit disturbance.
struct TopOneOdds {
  double correct = 0;
  double unchanged = 0;
};

/// TopOneOdds of argmax(round(z + e)) for e ~ N(mean, cov), averaged over `draws` (Monte Carlo with fixed draws:
/// the orthant probability of a correlated 9-dimensional normal has no closed form).
TopOneOdds top1_odds_gaussian(const std::vector<int32_t>& z, const LogitGaussian& g, int label,
                              const Eigen::MatrixXd& draws);

}  // namespace flipsim::model
