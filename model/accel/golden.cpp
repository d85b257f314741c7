#include "model/accel/golden.h"

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

FeatureMap GoldenEngine::run(const FeatureMap& input, const ConvLayer& layer, LayerRun* run) {
  if (run) {
    run->cycles = 0;
    run->macs = layer.macs(input.height, input.width);
  }
  return golden_conv(input, layer, config_.data_bits, config_.acc_bits);
}

}  // namespace flipsim
