#include "model/accel/golden.h"

#include <algorithm>

#include "model/accel/requant.h"

namespace flipsim {

int64_t golden_accumulator(const FeatureMap& input, const ConvLayer& layer, int oy, int ox, int o, int acc_bits) {
  // Wrapping once at the end equals wrapping at every add: two's-complement addition is modular.
  int64_t acc = layer.bias.empty() ? 0 : layer.bias[o];
  for (int ky = 0; ky < layer.kernel_h; ++ky) {
    const int iy = oy * layer.stride + ky - layer.pad;
    if (iy < 0 || iy >= input.height) continue;
    for (int kx = 0; kx < layer.kernel_w; ++kx) {
      const int ix = ox * layer.stride + kx - layer.pad;
      if (ix < 0 || ix >= input.width) continue;
      const int32_t* x = &input.data[(size_t(iy) * input.width + ix) * input.channels];
      const int32_t* w =
          &layer.weights[((size_t(o) * layer.kernel_h + ky) * layer.kernel_w + kx) * layer.in_channels];
      for (int i = 0; i < layer.in_channels; ++i) acc += int64_t(x[i]) * w[i];
    }
  }
  return wrap_to_bits(acc, acc_bits);
}

std::vector<int64_t> layer_accumulators(const FeatureMap& input, const ConvLayer& layer, int acc_bits) {
  const int out_h = layer.out_height(input.height), out_w = layer.out_width(input.width);
  std::vector<int64_t> acc;
  acc.reserve(size_t(out_h) * out_w * layer.out_channels);
  for (int oy = 0; oy < out_h; ++oy)
    for (int ox = 0; ox < out_w; ++ox)
      for (int o = 0; o < layer.out_channels; ++o) acc.push_back(golden_accumulator(input, layer, oy, ox, o, acc_bits));
  return acc;
}

FeatureMap golden_conv(const FeatureMap& input, const ConvLayer& layer, int data_bits, int acc_bits) {
  const int out_h = layer.out_height(input.height);
  const int out_w = layer.out_width(input.width);
  FeatureMap out(out_h, out_w, layer.out_channels);
  for (int oy = 0; oy < out_h; ++oy)
    for (int ox = 0; ox < out_w; ++ox)
      for (int o = 0; o < layer.out_channels; ++o)
        out.at(oy, ox, o) =
            layer.clipped(o, requantize(golden_accumulator(input, layer, oy, ox, o, acc_bits), layer.requant, data_bits));
  return out;
}

FeatureMap golden_conv_changed(const FeatureMap& input, const FeatureMap& golden_input,
                               const std::vector<int64_t>& golden_accumulators, const FeatureMap& golden_output,
                               const ConvLayer& layer, int data_bits, int acc_bits) {
  const int channels = input.channels;
  std::vector<int> changed;  // input pixels (y * width + x) where any channel differs
  for (int p = 0; p < input.height * input.width; ++p)
    if (!std::equal(input.data.begin() + p * channels, input.data.begin() + (p + 1) * channels,
                    golden_input.data.begin() + p * channels))
      changed.push_back(p);
  if (changed.empty()) return golden_output;
  // Past half the pixels a change reaches about every output: the direct convolution costs no more.
  if (2 * changed.size() > size_t(input.height * input.width)) return golden_conv(input, layer, data_bits, acc_bits);
  const int out_h = golden_output.height, out_w = golden_output.width, outs = layer.out_channels;
  std::vector<int64_t> delta(golden_accumulators.size(), 0);
  std::vector<char> reached(size_t(out_h) * out_w, 0);
  std::vector<int64_t> difference(static_cast<size_t>(channels));
  for (int p : changed) {
    const int iy = p / input.width, ix = p % input.width;
    const size_t first = size_t(p) * size_t(channels);
    for (size_t c = 0; c < size_t(channels); ++c)
      difference[c] = int64_t(input.data[first + c]) - golden_input.data[first + c];
    // The outputs whose window holds (iy, ix): oy * stride + ky - pad == iy.
    for (int ky = 0; ky < layer.kernel_h; ++ky) {
      const int sy = iy + layer.pad - ky;
      if (sy < 0 || sy % layer.stride != 0 || sy / layer.stride >= out_h) continue;
      for (int kx = 0; kx < layer.kernel_w; ++kx) {
        const int sx = ix + layer.pad - kx;
        if (sx < 0 || sx % layer.stride != 0 || sx / layer.stride >= out_w) continue;
        const size_t out = size_t(sy / layer.stride) * out_w + size_t(sx / layer.stride);
        reached[out] = 1;
        for (int o = 0; o < outs; ++o) {
          const int32_t* w = &layer.weights[((size_t(o) * layer.kernel_h + ky) * layer.kernel_w + kx) * channels];
          int64_t sum = 0;
          for (int c = 0; c < channels; ++c) sum += w[c] * difference[size_t(c)];
          delta[out * outs + size_t(o)] += sum;
        }
      }
    }
  }
  FeatureMap output = golden_output;
  for (size_t out = 0; out < reached.size(); ++out)
    if (reached[out])
      for (int o = 0; o < outs; ++o) {
        const size_t at = out * outs + size_t(o);
        output.data[at] = layer.clipped(
            o, requantize(wrap_to_bits(golden_accumulators[at] + delta[at], acc_bits), layer.requant, data_bits));
      }
  return output;
}

FeatureMap GoldenEngine::run(const FeatureMap& input, const ConvLayer& layer, LayerRun* run) {
  if (run) {
    run->cycles = 0;
    run->macs = layer.macs(input.height, input.width);
  }
  return golden_conv(input, layer, config_.data_bits, config_.acc_bits);
}

}  // namespace flipsim
