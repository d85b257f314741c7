// Integer layer descriptions shared by the golden model, the RTL driver and the network code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flipsim {

/// Requantization applied by the post-processing unit to each accumulator:
///   y = saturate( ((acc * multiplier + 2^(shift-1)) >> shift) + zero_point ),  clamped at zero_point if relu.
/// `>>` is an arithmetic shift on the exact product (rounding half up); saturation is to the signed data width.
struct Requant {
  int32_t multiplier = 1;  ///< 0 <= multiplier < 2^31
  int shift = 0;           ///< 0 <= shift <= 62
  int32_t zero_point = 0;
  bool relu = false;
};

/// Calibrated range of one output channel, in output units; a Protectable accelerator's PPU clamps the
/// requantized output to it (activation clipping).
struct ClipRange {
  int32_t lo = 0;
  int32_t hi = 0;
  /// Below lo first, then above hi: rtl/fs_clip.sv's order, which decides a corrupted range with lo > hi.
  int32_t apply(int32_t y) const { return y < lo ? lo : (y > hi ? hi : y); }
  bool operator==(const ClipRange& o) const { return lo == o.lo && hi == o.hi; }
};

/// A feature map in HWC order (channel innermost), integer values in the data width.
struct FeatureMap {
  int height = 0;
  int width = 0;
  int channels = 0;
  std::vector<int32_t> data;

  FeatureMap() = default;
  FeatureMap(int h, int w, int c) : height(h), width(w), channels(c), data(size_t(h) * w * c, 0) {}
  int32_t& at(int y, int x, int c) { return data[(size_t(y) * width + x) * channels + c]; }
  int32_t at(int y, int x, int c) const { return data[(size_t(y) * width + x) * channels + c]; }
  bool operator==(const FeatureMap& o) const {
    return height == o.height && width == o.width && channels == o.channels && data == o.data;
  }
  bool operator!=(const FeatureMap& o) const { return !(*this == o); }
};

/// A convolution (a fully-connected layer is a 1x1 convolution on a 1 x M x K map) as the accelerator runs it.
struct ConvLayer {
  std::string name;
  int in_channels = 0;
  int out_channels = 0;
  int kernel_h = 1;
  int kernel_w = 1;
  int stride = 1;
  int pad = 0;
  std::vector<int32_t> weights;  ///< [out_channels][kernel_h][kernel_w][in_channels] (OHWI)
  std::vector<int64_t> bias;     ///< [out_channels], in accumulator units
  Requant requant;
  std::vector<ClipRange> clip;   ///< [out_channels] when the PPU clips this layer's outputs, else empty

  /// Output `y` of channel `o` after clipping.
  int32_t clipped(int o, int32_t y) const { return clip.empty() ? y : clip[size_t(o)].apply(y); }
  /// Channel `o`'s clip range, or null when the layer does not clip.
  const ClipRange* clip_of(int o) const { return clip.empty() ? nullptr : &clip[size_t(o)]; }

  int out_height(int in_h) const { return (in_h + 2 * pad - kernel_h) / stride + 1; }
  int out_width(int in_w) const { return (in_w + 2 * pad - kernel_w) / stride + 1; }
  int32_t weight(int o, int ky, int kx, int i) const {
    return weights[((size_t(o) * kernel_h + ky) * kernel_w + kx) * in_channels + i];
  }
  /// Multiply-accumulates of useful work for an input of in_h x in_w.
  uint64_t macs(int in_h, int in_w) const {
    return uint64_t(out_height(in_h)) * out_width(in_w) * out_channels * kernel_h * kernel_w * in_channels;
  }
};

}  // namespace flipsim
