// A convolution layer prepared for fault simulation: bit-exact with golden_conv(), but able to compute single
// outputs (for incremental recomputation) and to have individual weights replaced.
#pragma once

#include <cstdint>
#include <vector>

#include "model/accel/layer.h"
#include "model/accel/requant.h"

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
  int64_t wrap(int64_t acc) const { return wrap_to_bits(acc, acc_bits_); }
  /// The requantized output at (oy, ox, o).
  int32_t output(const FeatureMap& in, int oy, int ox, int o) const;
  /// Output channel `o`'s requantization of an accumulator value (saturation, fused ReLU and the PPU's clipping
  /// included). Inline: it runs once per recomputed output.
  int32_t requantize(int64_t acc, int o) const {
    const Requant& rq = layer_.requant;
    // With a wrapped accumulator of at most 32 bits, acc * multiplier + 2^(shift-1) < 2^63: 64-bit arithmetic is
    // exact and the same as requant.h's 128-bit path.
    if (acc_bits_ > 32 || rq.shift == 0) return layer_.clipped(o, flipsim::requantize(acc, rq, data_bits_));
    int64_t v = ((acc * rq.multiplier + (int64_t(1) << (rq.shift - 1))) >> rq.shift) + rq.zero_point;
    if (rq.relu && v < rq.zero_point) v = rq.zero_point;
    const int64_t hi = (int64_t(1) << (data_bits_ - 1)) - 1, lo = -(int64_t(1) << (data_bits_ - 1));
    return layer_.clipped(o, int32_t(v > hi ? hi : (v < lo ? lo : v)));
  }

  /// The weights that input channel `i` at kernel position (ky, kx) meets, one per output channel, consecutive:
  /// what a changed input adds to the outputs that read it, scaled by its change.
  const int32_t* tap_weights(int ky, int kx, int i) const {
    return &by_tap_[((size_t(ky) * layer_.kernel_w + size_t(kx)) * layer_.in_channels + size_t(i)) *
                    size_t(layer_.out_channels)];
  }

  int32_t weight(size_t index) const { return layer_.weights[index]; }
  /// Replaces one stored weight (OHWI index) in every copy; faults flip bits and restore them this way.
  void set_weight(size_t index, int32_t value);
  int64_t bias(int o) const { return bias_[size_t(o)]; }
  /// Replaces the bias of output channel `o` (faults flip its bits and restore it this way).
  void set_bias(int o, int64_t value) { bias_[size_t(o)] = value; }
  /// Output channel `o`'s clip range (the layer must clip) and its replacement, as for the bias.
  const ClipRange& clip(int o) const { return layer_.clip[size_t(o)]; }
  void set_clip(int o, const ClipRange& range) { layer_.clip[size_t(o)] = range; }

 private:
  ConvLayer layer_;
  int data_bits_;
  int acc_bits_;
  size_t fan_in_;                ///< kernel_h * kernel_w * in_channels
  std::vector<int64_t> bias_;    ///< per output channel, 0 when the layer has none
  bool narrow_;                  ///< products and sums fit in int32 and the accumulator wraps at <= 32 bits
  size_t padded_fan_in_ = 0;     ///< narrow_: fan_in_ rounded up to whole 8-lane blocks
  std::vector<int16_t> w16_;     ///< narrow_: OHWI weights as int16, each channel zero-padded to padded_fan_in_
  std::vector<int32_t> by_tap_;  ///< the weights in HWIO order (output channel innermost), for tap_weights()
};

}  // namespace flipsim::model
