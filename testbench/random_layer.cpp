#include "testbench/random_layer.h"

#include <algorithm>

#include <cmath>

#include "model/accel/requant.h"

namespace flipsim {

namespace {

int32_t random_value(int data_bits, ValueMix mix, std::mt19937_64& rng) {
  const int32_t hi = (1 << (data_bits - 1)) - 1, lo = -(1 << (data_bits - 1));
  if (mix == ValueMix::kExtreme) {
    switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
      case 0: return lo;
      case 1: return hi;
      case 2: return lo + 1;
      default: break;
    }
  }
  return std::uniform_int_distribution<int32_t>(lo, hi)(rng);
}

}  // namespace

ConvLayer random_conv(const ConvShape& s, int data_bits, ValueMix mix, std::mt19937_64& rng) {
  ConvLayer layer;
  layer.name = "random";
  layer.in_channels = s.in_channels;
  layer.out_channels = s.out_channels;
  layer.kernel_h = layer.kernel_w = s.kernel;
  layer.stride = s.stride;
  layer.pad = s.pad;
  layer.weights.resize(size_t(s.out_channels) * s.kernel * s.kernel * s.in_channels);
  for (auto& w : layer.weights) w = random_value(data_bits, mix, rng);
  const double range = std::ldexp(1.0, data_bits - 1);
  const double k = double(s.kernel) * s.kernel * s.in_channels;
  layer.bias.resize(s.out_channels);
  for (auto& b : layer.bias)
    b = std::uniform_int_distribution<int64_t>(-int64_t(range * range), int64_t(range * range))(rng);
  // Typical |acc| is about range^2 * sqrt(k) / 3; map that to about half the output range.
  layer.requant = requant_from_scale(1.5 / (range * std::sqrt(k)));
  layer.requant.relu = std::bernoulli_distribution(0.5)(rng);
  return layer;
}

FeatureMap random_map(int h, int w, int c, int data_bits, ValueMix mix, std::mt19937_64& rng) {
  FeatureMap map(h, w, c);
  for (auto& v : map.data) v = random_value(data_bits, mix, rng);
  return map;
}

void add_random_clip(ConvLayer& layer, int data_bits, std::mt19937_64& rng) {
  const int32_t max = int32_t((int64_t(1) << (data_bits - 1)) - 1), min = -max - 1;
  std::uniform_int_distribution<int32_t> value(min, max);
  std::uniform_int_distribution<int> kind(0, 7);
  layer.clip.resize(size_t(layer.out_channels));
  for (ClipRange& r : layer.clip) {
    const int k = kind(rng);
    if (k == 0) {
      r = {min, max};
    } else {
      const int32_t a = value(rng), b = value(rng);
      r = k == 1 ? ClipRange{std::max(a, b), std::min(a, b)} : ClipRange{std::min(a, b), std::max(a, b)};
    }
  }
}

ConvShape gemm_shape(int m, int k, int n) {
  ConvShape s;
  s.in_h = 1;
  s.in_w = m;
  s.in_channels = k;
  s.out_channels = n;
  return s;
}

}  // namespace flipsim
