// The compound-Poisson part of the improved model: the logit disturbance of K flipped bits as the sum of K
// independent jumps, each jump what one bit flip does to the logits of this image, measured by bit-exact
// simulation.
//
// Why jumps and not a normal: the effect of one flip is heavy-tailed. Most flips are rounded away or hit a low
// bit; a few (a sign bit in a wide feature map, a top bit of a logit weight) move a logit by more than the
// image's margin. With tens to hundreds of flips the sum is still dominated by those few, so it is not normal, and
// a normal with the right variance predicts the wrong accuracy. Summing jumps keeps the tail. It ignores that two
// flips can meet in the same neuron (ReLU, saturation and pooling are not additive), which matters only once the
// flips are dense; above that the model switches to the correlated normal (data_model.h).
//
// The jumps are a pool of simulated single flips, stratified by layer segment and bit position so that small
// segments and the top bits, where the damage is, are always represented; each sample carries the share of the
// stored bits it stands for.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "model/soft_error/fault_space.h"
#include "model/soft_error/logit_accuracy.h"
#include "model/soft_error/sw_fault_sim.h"

namespace flipsim::model {

/// The jumps of a pool that stay jumps at one flip rate: they arrive as a Poisson stream of `rate` per trial.
/// They are every jump of the sparse segments and the largest jumps of the dense ones; the dense segments' normal
/// covers all of their flips, so what their kept jumps carry (`mean`, `second`) is taken out of it.
struct JumpTail {
  double rate = 0;                    ///< expected jumps per trial
  std::vector<Eigen::VectorXd> jumps; ///< their logit changes
  std::vector<double> cumulative;     ///< cumulative probabilities among them (last = 1)
  Eigen::VectorXd mean;               ///< rate * E[J] over the dense segments' kept jumps
  Eigen::MatrixXd second;             ///< rate * E[J J^T] over the same
  /// Adds `count` tail jumps picked by uniforms u(j) in [0, 1) to `e`.
  template <typename Uniform>
  void add(int count, Uniform u, Eigen::VectorXd& e) const {
    for (int j = 0; j < count; ++j) {
      const size_t i = size_t(std::upper_bound(cumulative.begin(), cumulative.end(), u(j)) - cumulative.begin());
      e += jumps[std::min(i, jumps.size() - 1)];
    }
  }
};

/// One flip of the pool of simulated single flips, and the share of the stored bits it stands for.
struct PoolFlip {
  BitFlip flip;
  size_t segment = 0;  ///< its segment in the fault space
  double weight = 0;   ///< the weights of a pool sum to 1
};
/// The pool's flips, drawn with `rng`: about `samples` in all, each segment of `space` a multiple of its value
/// width, every bit position of every segment equally often and at least a few times.
std::vector<PoolFlip> stratified_flips(const FaultSpace& space, int samples, std::mt19937_64& rng);

class CompoundPoisson {
 public:
  /// Simulates about `samples` single flips of the image loaded in `sim` (each segment of `space` gets a multiple
  /// of the data width, every bit position equally). `draws`: Monte Carlo paths for k >= 2 flips.
  CompoundPoisson(const FaultSpace& space, SwFaultSim& sim, int label, int samples, int draws, uint64_t seed);

  /// P(correct) and P(top-1 unchanged) after exactly k flipped bits: k = 0 the golden run, k = 1 exact over the
  /// pool, k >= 2 over `draws` paths of summed jumps. Path m's j-th jump depends only on (seed, m, j), so every k
  /// is evaluated on the same paths (smooth in k) whatever order the k are asked in. Extends a cached table: not
  /// thread-safe.
  const TopOneOdds& given(uint64_t k) const;

  /// The faulty top-1 class of one trial with exactly k flipped bits, drawn with `rng`. Not thread-safe (a
  /// scratch sum).
  int sample_top1(uint64_t k, std::mt19937_64& rng) const;

  size_t pool_size() const { return top1_.size(); }

  /// The jumps that stay jumps at `lambda` expected flips per trial over the whole space: every sample of a segment
  /// with `sparse[segment]` (at the rate its bits flip), and of the other segments' samples the largest (by their
  /// largest logit change) that together arrive `per_trial` times per trial on average.
  JumpTail tail(double lambda, const std::vector<bool>& sparse, double per_trial) const;

 private:
  size_t pick(double u) const;  // sample index with probability equal to its weight, u uniform in [0, 1)
  int top1_of_sum(const int64_t* sum) const;
  void add_jump(int path, uint64_t j) const;  // adds path's j-th jump (1-based) to its sum

  std::vector<int32_t> logits_;
  int label_ = 0;
  int golden_top1_ = 0;
  size_t classes_ = 0;
  std::vector<int32_t> jumps_;      ///< pool_size() x classes_ logit changes
  std::vector<double> cumulative_;  ///< cumulative sample weights (last = 1)
  std::vector<double> weights_;     ///< sample weights (sum 1)
  std::vector<size_t> segment_;     ///< each sample's segment in the fault space
  std::vector<int> top1_;           ///< faulty top-1 of each sample
  int64_t lo_ = 0, hi_ = 0;
  int draws_ = 0;
  uint64_t seed_ = 0;
  mutable std::vector<TopOneOdds> odds_;  ///< index k
  mutable std::vector<int64_t> paths_;    ///< draws_ x classes_: sums of the first odds_.size() - 1 jumps
  mutable std::vector<int64_t> scratch_;  ///< sample_top1()'s sum of jumps
};

}  // namespace flipsim::model
