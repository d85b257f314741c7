// The data-level soft-error model: predicted accuracy of a network under per-bit flips of its stored weights and
// layer-input activations, per image and per error rate, in two variants.
//
//  - "normal": the seed paper's view with exact sums: every neuron's disturbance is a normal with exact moments,
//    propagated layer to layer through requantization, ReLU, saturation and pooling with neurons independent
//    (moment_model.h); accuracy from the image's golden logit margins (p_correct_normal()).
//  - "improved": per segment of the fault space (a layer's weights, or the inputs a layer reads), flips are sparse
//    while the segment's expected count N_s p is at most its kind's Poisson limit (2 for weights, 5 for
//    activations; the logit layer's weights count per output channel, where flips add exactly): their
//    disturbance is a sum of jumps drawn from bit-exactly simulated single flips of the image
//    (compound_poisson.h: keeps the heavy tail of rare, large errors such as a sign-bit flip, exactly where a
//    normal fails); with every segment sparse, a mixture over the
//    number K of flipped bits. Above it a segment's flips are dense and meet in the same neurons, and their logit
//    disturbance is a normal whose covariance comes from the correlated model
//    (correlated_model.h: coherent disturbances, carried linearly downstream of the golden run) and whose mean comes
//    from the layer-to-layer model run with sparse disturbances (its non-linear mean shifts: ReLU rectifying noise,
//    saturation clipping it, max pooling picking up positive noise, which accumulate with depth), beside the sparse
//    segments' jumps (JumpTail).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "model/accel/accel_config.h"
#include "model/soft_error/bit_flip.h"
#include "model/soft_error/compound_poisson.h"
#include "model/soft_error/correlated_model.h"
#include "model/soft_error/fault_rates.h"
#include "model/soft_error/fault_space.h"
#include "model/soft_error/moment_model.h"
#include "model/soft_error/sw_fault_sim.h"
#include "model/nn/qnetwork.h"

namespace flipsim::model {

/// Model knobs (defaults are what docs/model.md and the shipped results use).
struct ModelOptions {
  int single_flip_samples = 128;  ///< simulated single flips per image: the compound-Poisson jumps
  int compound_draws = 256;       ///< Monte Carlo paths of summed jumps per image (K >= 2 flips)
  int draw_pairs = 512;           ///< antithetic normal draw pairs for the correlated normal's accuracy
  /// Above these expected flip counts in a segment, its flips enter the normal: a layer's weights, the inputs a
  /// layer reads (docs/model.md §6: chosen on test images 1,000-1,999).
  double poisson_limit_weights = 2;
  double poisson_limit_activations = 5;
  double poisson_limit(SiteKind kind) const {
    return kind == SiteKind::kWeight ? poisson_limit_weights : poisson_limit_activations;
  }
  double tail_jumps = 0;          ///< of the dense segments' flips, the largest arriving this often per trial stay jumps
  bool plain_normal = true;      ///< also evaluate the plain normal model (the slower of the two)
  uint64_t seed = 1;
};

/// Outcomes of a number of accelerated-simulation trials.
struct TrialCounts {
  uint64_t trials = 0;
  uint64_t correct = 0;    ///< top-1 == label
  uint64_t unchanged = 0;  ///< top-1 == golden top-1
};

/// Predictions for one image (index = rate in the sweep).
struct ImagePrediction {
  std::vector<double> normal;             ///< plain normal model: P(correct)
  std::vector<double> improved;           ///< compound Poisson / correlated normal: P(correct)
  std::vector<double> improved_unchanged; ///< same model: P(top-1 unchanged from the golden run)
};

class DataModel;

/// Everything the improved model knows about one image: its golden logits, the jumps of simulated single flips
/// and (prepared only when a rate needs it) the rate-independent part of the correlated model. Also draws faulty
/// top-1 classes for accelerated fault simulation.
class ImageModel {
 public:
  /// `sim` must hold the image (SwFaultSim::load_image); it is used for the single-flip samples.
  ImageModel(const DataModel& model, SwFaultSim& sim, int label, uint64_t image_seed);

  /// P(correct) and P(top-1 unchanged) of the improved model at per-bit rate `ber`.
  TopOneOdds improved(double ber) const;
  /// P(correct) of the plain normal model (per-neuron normals, independent neurons) at `ber`.
  double plain_normal(double ber) const;
  /// The logit disturbance the improved model uses at rate `ber` for the dense segments' flips: the mean of the
  /// layer-to-layer model and the covariance of the correlated model.
  LogitGaussian gaussian(double ber) const;
  /// Accelerated fault simulation: `trials` independent trials at `ber`, each drawing the faulty top-1 class
  /// from the model. While every segment is sparse a trial has K ~ Binomial(N, ber) flips and the top-1 class after
  /// the sum of K jumps; otherwise a draw from gaussian(ber) plus the jumps that stay jumps. Not thread-safe (results are cached
  /// per rate): one ImageModel per thread.
  TrialCounts sample(double ber, uint64_t trials, std::mt19937_64& rng) const;

  int label() const { return label_; }
  int golden_top1() const { return golden_top1_; }
  const std::vector<int32_t>& golden_logits() const { return logits_; }

 private:
  struct Cached {
    std::vector<double> normal_mean, normal_var;  ///< the layer-to-layer (plain) model's logit moments
    bool has_gaussian = false;
    LogitGaussian g;                ///< the whole disturbance's mean and covariance
    JumpTail tail;                  ///< its largest single-flip jumps, kept as jumps
    Eigen::VectorXd bulk_mean;      ///< the rest: g minus the tail's mean (root: of its covariance)
    Eigen::MatrixXd root;
    mutable TopOneOdds odds;
    mutable bool has_odds = false;  ///< odds are integrated only when the model asks (sampling does not need them)
  };
  const TopOneOdds& odds_of(const Cached& c) const;
  // The plain model's logit moments at `rate` and, when `gaussian`, the many-flip normal.
  const Cached& at_rate(double rate, bool gaussian) const;
  bool dense(double ber) const;  // some segment above poisson_limit: a normal beside the jumps
  std::shared_ptr<const CorrelatedBasis> basis() const;  // prepared on the first dense rate

  const DataModel& model_;
  int label_;
  int golden_top1_;
  std::vector<int32_t> logits_;
  std::vector<FeatureMap> golden_;
  mutable std::vector<std::vector<int64_t>> golden_acc_;  ///< the simulator's, until the basis takes them
  CompoundPoisson jumps_;
  mutable std::shared_ptr<const CorrelatedBasis> basis_;  ///< prepared when a dense rate is first asked for
  mutable std::unique_ptr<CorrelatedImage> golden_image_;  ///< the golden linearization, prepared with basis_
  mutable std::map<double, Cached> cache_;
};

class DataModel {
 public:
  /// `target` and `layers` (accelerator layer positions; empty: all) fix the stored bits in scope.
  DataModel(const nn::QNetwork& net, const AccelConfig& accel, FaultTarget target, std::vector<int> layers,
            ModelOptions options = {});

  const nn::QNetwork& network() const { return net_; }
  const FaultSpace& space() const { return space_; }
  const ModelOptions& options() const { return options_; }
  FaultTarget target() const { return target_; }
  /// Per-layer rates for a uniform per-bit rate in scope.
  FaultRates rates(double ber) const;
  /// Per fault-space segment: whether its expected flips at `ber` are few (at most its kind's limit; for the weights
  /// of the layer that computes the logits, its expected flips per output channel), so that its flips stay jumps;
  /// the others are dense and enter the normal.
  std::vector<bool> sparse_segments(double ber) const;
  /// Per fault-space segment, the per-bit rate above which sparse_segments() calls it dense (infinite for bias and
  /// clip-range words, which stay jumps at any rate).
  const std::vector<double>& dense_above() const { return dense_above_; }
  /// rates(ber) on the segments that sparse_segments(ber) (`sparse`) calls dense.
  FaultRates dense_rates(const std::vector<bool>& sparse, double ber) const;

  /// Both model variants for the image loaded in `sim`, at every rate of `bers`.
  ImagePrediction predict(SwFaultSim& sim, int label, const std::vector<double>& bers, uint64_t image_index) const;

 private:
  friend class ImageModel;
  const nn::QNetwork& net_;
  FaultTarget target_;
  std::vector<int> layers_;
  FaultSpace space_;
  ModelOptions options_;
  FlipSumTable sums_;
  MomentModel moments_;
  Eigen::MatrixXd draws_;
  std::vector<double> dense_above_;  ///< per segment, see dense_above()
  /// The uniform of normal draw s's j-th pick among the tail jumps (j = 0: their count), the same for every image
  /// and rate (common random numbers); the first kTailUniforms picks of every draw are drawn once, in the table.
  double tail_uniform(Eigen::Index s, int j) const {
    return j < kTailUniforms ? tail_uniforms_(j, s) : hashed_tail_uniform(s, j);
  }
  double hashed_tail_uniform(Eigen::Index s, int j) const {
    return unit_uniform(stream_seed(tail_seed_, uint64_t(s), uint64_t(j)));
  }
  static constexpr int kTailUniforms = 16;
  Eigen::MatrixXd tail_uniforms_;
  uint64_t tail_seed_ = 0;
};

/// P(K = k) for K ~ Binomial(n, p) and k = 0 .. min(k_max, n), computed in logs (n up to billions, p small).
std::vector<double> binomial_pmfs(uint64_t n, double p, uint64_t k_max);

}  // namespace flipsim::model
