// Exact moments of a layer's accumulator disturbance from its own stored bits, as polynomials in the rates.
//
// With golden input x and weights w, and per-bit rates p_a (input values) and p_w (weights), the sums of
// moment_model.h expand into fixed convolutions times powers of the rates (S1, S2 from bit_flip.h):
//   E   = p_a conv(S1x, w) + p_w conv(x, S1w) + p_a p_w conv(S1x, S1w)
//   Var = p_a(1-p_a) [conv(S2x, w^2) + 2 p_w conv(S2x, w S1w) + p_w^2 conv(S2x, S1w^2)]
//       + p_w(1-p_w) [conv(x^2, S2w) + 2 p_a conv(x S1x, S2w) + p_a^2 conv(S1x^2, S2w) + p_a(1-p_a) conv(S2x, S2w)]
// The convolutions depend only on the image and the layer, so one pass per image serves a whole rate sweep.
#pragma once

#include <vector>

#include "model/accel/layer.h"
#include "model/soft_error/bit_flip.h"
#include "model/soft_error/moment_model.h"

namespace flipsim::model {

class LocalMoments {
 public:
  LocalMoments() = default;
  /// Precomputes the convolutions needed for the rate kinds that can be non-zero.
  LocalMoments(const ConvLayer& layer, const FeatureMap& input, const FlipSumTable& sums, bool weights,
               bool activations);
  /// Accumulator disturbance moments at rates (pw, pa); identical to accumulator_moments() with no upstream
  /// disturbance.
  MapMoments at(double pw, double pa) const;
  size_t size() const { return size_; }

 private:
  size_t size_ = 0;
  // Index into terms_: see the expansion above.
  enum Term { kS1xW, kXS1w, kS1xS1w, kS2xW2, kS2xWS1w, kS2xS1w2, kX2S2w, kXS1xS2w, kS1x2S2w, kS2xS2w, kTerms };
  std::vector<std::vector<double>> terms_;
};

}  // namespace flipsim::model
