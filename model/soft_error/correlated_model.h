// The correlated normal model (flipsim's improvement on the paper's per-neuron normal model).
//
// Each accelerator layer's own flipped bits disturb its accumulators; the disturbance of each accumulator has
// exact moments (local_moments.h) and goes through the requantizer exactly under a normal assumption
// (requantized_moments()). From there on the layers after it carry it to the logits linearly, through the
// golden-point sensitivities dz/dy (adjoint.h). Because one flipped input feeds many accumulators and one flipped
// convolution weight a whole output channel, the disturbance is split into
//   - a coherent part: every source's effect on all accumulators at once, carried by the accumulator sensitivities
//     g = dz/dacc = dz/dy * gate; per layer  sum_i Var(dx_i) G_i G_i^T  for the inputs it reads (G = g back through
//     the weights) and  sum_w Var(dw) H_w H_w^T  for its weights (H = the weight gradient of g . acc);
//   - a residual per neuron: the requantized variance minus its linear part (gate^2 Var(acc)), which is what
//     rounding, ReLU and saturation add or remove, treated as independent between neurons;
//   - the mean: each neuron's exact mean shift carried by dz/dy.
// The logits then have a mean vector and a full covariance matrix; layers add independently. Everything that does
// not depend on the error rate (sensitivities, the Gram matrices G^T diag(S2) G, the moment convolutions) is
// computed once per image, so a whole rate sweep costs little more than one point.
#pragma once

#include <Eigen/Dense>
#include <memory>
#include <vector>

#include "model/soft_error/adjoint.h"
#include "model/soft_error/bit_flip.h"
#include "model/soft_error/fault_rates.h"
#include "model/soft_error/local_moments.h"
#include "model/soft_error/logit_accuracy.h"
#include "model/soft_error/moment_model.h"
#include "model/nn/qnetwork.h"

namespace flipsim::model {

/// What the correlated model needs of one image at any rate: the golden accumulators
/// and each accelerator layer's moment convolutions.
struct CorrelatedBasis {
  /// `acc`: the golden accumulators when known already (empty: computed here).
  CorrelatedBasis(const nn::QNetwork& net, const std::vector<FeatureMap>& golden, const FlipSumTable& sums,
                  bool weights, bool activations, std::vector<std::vector<int64_t>> acc = {});
  GoldenRequant golden;
  std::vector<std::vector<double>> gates;  ///< golden requantizer slopes (requant_gate())
  std::vector<LocalMoments> local;
  bool weights, activations;
};

/// The rate-independent part of the correlated model for one image, linearized at its golden point.
class CorrelatedImage {
 public:
  /// `golden`: every value of the image's golden run. Only layers and kinds with `weights` / `activations` set are
  /// prepared (a rate for a kind not prepared is ignored).
  CorrelatedImage(const nn::QNetwork& net, const std::vector<FeatureMap>& golden, const FlipSumTable& sums,
                  bool weights, bool activations);
  /// The same from a basis computed once for the image.
  CorrelatedImage(const nn::QNetwork& net, const std::vector<FeatureMap>& golden, const FlipSumTable& sums,
                  std::shared_ptr<const CorrelatedBasis> basis);

  /// Logit disturbance at per-layer rates.
  LogitGaussian logits(const FaultRates& rates) const;

 private:
  struct Layer {
    Eigen::MatrixXd gram_act;     ///< sum_i S2(x_i) G_i G_i^T
    Eigen::MatrixXd gram_weight;  ///< sum_w S2(w) H_w H_w^T
    std::vector<double> gate;     ///< dy/dacc per output at the golden point
  };
  const nn::QNetwork& net_;
  std::vector<size_t> accel_ops_;
  std::shared_ptr<const CorrelatedBasis> basis_;
  std::vector<Sensitivity> out_sens_;
  std::vector<Layer> layers_;
  Eigen::Index classes_ = 0;
};

}  // namespace flipsim::model
