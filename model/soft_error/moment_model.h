// The normal (central-limit) disturbance model with exact per-neuron sums, propagated layer to layer.
//
// For an accelerator layer with golden input x and weights w, stored bits flipping at per-bit rates p_w and p_a,
// and an upstream disturbance d on the input with per-element moments (m, v), output neuron j's accumulator is
//   acc'_j = b_j + sum_i (w_ji + dw_ji)(x_i + d_i + da_i),
// with dw and da the flip errors of bit_flip.h (moments from the stored value's own bits). All terms are
// independent, so with  W_i = w + p_w S1(w),  sw_i = p_w (1 - p_w) S2(w),  Y_i = x + m + p_a S1(x),
// sy_i = v + p_a (1 - p_a) S2(x):
//   E[acc'_j - acc_j]   = sum_i W_i Y_i - sum_i w_i x_i
//   Var[acc'_j - acc_j] = sum_i W_i^2 sy_i + sum_i (Y_i^2 + sy_i) sw_i
// (exact given independent inputs; a product's variance is E[X^2]E[Y^2] - (E[X]E[Y])^2). The accumulator is
// then treated as normal and pushed through the requantizer's scale, round half up, saturation and fused ReLU
// (normal_math.h), giving the output neuron's disturbance moments; host ops follow the same way (max pooling by
// Clark's max of normals, average pooling and residual adds linearly before their rounding / saturation). Neurons
// are treated as independent when they meet in the next layer, which ignores that one flipped convolution
// weight disturbs a whole output channel coherently. docs/model.md has the full derivation.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "model/accel/accel_config.h"
#include "model/accel/layer.h"
#include "model/soft_error/bit_flip.h"
#include "model/soft_error/fault_rates.h"
#include "model/soft_error/normal_math.h"
#include "model/nn/qnetwork.h"

namespace flipsim::model {

/// Mean and variance of the disturbance (faulty minus golden) of every element of a map; empty = none.
struct MapMoments {
  std::vector<double> mean;
  std::vector<double> var;
  bool empty() const { return mean.empty(); }
};

/// A layer's weights with their mean flip error at rate pw: W = w + pw S1(w), and W^2 (the same for every image).
/// Tap-major, output channel fastest: index ((ky * kernel_w + kx) * in_channels + c) * out_channels + o, so that
/// the moment sums run over output channels in the innermost loop (independent sums, which vectorize).
struct WeightTerms {
  std::vector<double> mean;
  std::vector<double> square;
};
WeightTerms weight_terms(const ConvLayer& layer, const FlipSumTable& sums, double pw);

/// Exact moments of every accumulator disturbance (before requantization) of `layer` on golden input `input`,
/// with upstream input disturbance `in` (empty: none), weight bits flipping at rate pw and input bits at pa.
/// `golden_acc`, when given, receives the golden accumulators (bias included; the model ignores accumulator
/// wrap-around, which int8/int16 layers of realistic fan-in never reach). `known_acc`, when given, holds them
/// already (from an earlier rate of a sweep), which spares the integer sums.
MapMoments accumulator_moments(const ConvLayer& layer, const FeatureMap& input, const MapMoments& in,
                               const FlipSumTable& sums, double pw, double pa,
                               std::vector<int64_t>* golden_acc = nullptr,
                               const std::vector<int64_t>* known_acc = nullptr,
                               const WeightTerms* weights = nullptr);

/// Where one requantizer sits at the golden point: everything about it that does not depend on the disturbance.
struct RequantPoint {
  double centre = 0;  ///< the golden value before rounding and clamping, in output LSB, minus 1/2 (exact)
  double golden = 0;  ///< the golden output
  double lo = 0, hi = 0;  ///< clamping bounds (ReLU / saturation)
  double scale = 0;       ///< multiplier / 2^shift: output LSB per accumulator unit
};
RequantPoint requant_point(int64_t golden_acc, const Requant& rq, int data_bits, const ClipRange* clip = nullptr);

/// Disturbance moments of a requantized output: the faulty accumulator ~ N(golden_acc + mean, var) through the
/// layer's requantizer (scale, round half up, fused ReLU, saturation), minus the golden output.
MeanVar requantized_moments(const RequantPoint& at, double mean, double var);

MeanVar requantized_moments(int64_t golden_acc, double mean, double var, const Requant& rq, int data_bits);

/// One image's golden accumulators (bias included) and where each requantizer sits, per accelerator layer in
/// accel_ops() order: every pass of a rate sweep reuses them.
struct GoldenRequant {
  GoldenRequant(const nn::QNetwork& net, std::vector<std::vector<int64_t>> accumulators);
  std::vector<std::vector<int64_t>> acc;
  std::vector<std::vector<RequantPoint>> points;
};

/// The layer-to-layer normal model of one network.
class MomentModel {
 public:
  MomentModel(const nn::QNetwork& net, const AccelConfig& accel);
  const nn::QNetwork& network() const { return net_; }

  /// Disturbance moments of every value (index = value id) of one image's golden run `golden` (every value, as
  /// QNetwork::run returns) under per-layer flip rates.
  /// `golden_acc`, when given, are the image's golden accumulators and requantizer points (from
  /// golden_accumulators() in adjoint.h).
  /// `sparse`: where few flips can reach an element (flip_reach.h), treat its disturbance at requantizers, ReLUs
  /// and residual Adds as a compound Poisson sum of that many flips instead of one normal (compound_moments() in
  /// moment_model.cpp), and at max pooling likewise (sparse_max()).
  std::vector<MapMoments> propagate(const std::vector<FeatureMap>& golden, const FaultRates& rates,
                                    const GoldenRequant* golden_acc = nullptr, bool sparse = false) const;
  /// Only the logits' moments (zero where no flip reaches them); the arguments as for propagate().
  MapMoments logit_moments(const std::vector<FeatureMap>& golden, const FaultRates& rates,
                           const GoldenRequant* golden_acc = nullptr, bool sparse = false) const;

 private:

  const nn::QNetwork& net_;
  AccelConfig accel_;
  FlipSumTable sums_;
  std::vector<int> layer_of_op_;
  /// weight_terms() per (layer, rate): every image of a sweep uses the same few. Not thread-safe: one model per
  /// thread (sweeps build one per worker).
  mutable std::map<std::pair<int, double>, WeightTerms> weight_cache_;
};

}  // namespace flipsim::model
