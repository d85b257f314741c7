// A convolution layer prepared for fault simulation: bit-exact with golden_conv(), but able to compute single
// outputs (for incremental recomputation) and to have individual weights replaced.
#pragma once

#include <cstdint>
#include <vector>

#include "accel/layer.h"

namespace flipsim::model {

class IntConv {
 public:
  IntConv(const ConvLayer& layer, int data_bits, int acc_bits);

  const ConvLayer& layer() const { return layer_; }
  int out_height(int in_h) const { return layer_.out_height(in_h); }
  int out_width(int in_w) const { return layer_.out_width(in_w); }

  /// The whole output map; identical to golden_conv(in, layer, data_bits, acc_bits) with the current weights.
  FeatureMap run(const FeatureMap& in) const;
  /// Every output's exact (unwrapped) accumulator, in output order; `out` is resized.
  void accumulators(const FeatureMap& in, std::vector<int64_t>& out) const;
  /// The accumulator of one output (bias included), before requantization: wrapped at the accumulator width, or
  /// the exact sum with `wrap` false (to which exact changes can be added and the result wrapped afterwards).
  int64_t accumulator(const FeatureMap& in, int oy, int ox, int o, bool wrap = true) const;
  /// Wraps an exact sum to the accumulator width, as the hardware's modular accumulation does.
  int64_t wrap(int64_t acc) const;
  /// The requantized output at (oy, ox, o).
  int32_t output(const FeatureMap& in, int oy, int ox, int o) const;
  /// Requantization of an accumulator value (saturation and fused ReLU included).
  int32_t requantize(int64_t acc) const;

  int32_t weight(size_t index) const { return layer_.weights[index]; }
  /// Replaces one stored weight (OHWI index); faults flip bits and restore them this way.
  void set_weight(size_t index, int32_t value) {
    layer_.weights[index] = value;
    if (!w16_.empty()) w16_[index] = int16_t(value);
  }

 private:
  ConvLayer layer_;
  int data_bits_;
  int acc_bits_;
  bool narrow_;  ///< products and sums fit in int32 and the accumulator wraps at <= 32 bits
  std::vector<int16_t> w16_;  ///< the weights as int16 when narrow_ (whole-map runs multiply in int16 pairs)
};

}  // namespace flipsim::model
