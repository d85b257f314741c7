// Random layers and inputs for self-checks (flipsim gemm / conv) and tests.
#pragma once

#include <cstdint>
#include <random>

#include "model/accel/layer.h"

namespace flipsim {

struct ConvShape {
  int in_h = 1, in_w = 1, in_channels = 1, out_channels = 1;
  int kernel = 1, stride = 1, pad = 0;
};

enum class ValueMix {
  kUniform,  ///< values uniform over the whole data range
  kExtreme,  ///< mostly the range's ends (-2^(B-1), 2^(B-1)-1), to hit saturation and -128 x -128
};

/// Random weights, bias and requantization for `shape` with `data_bits` values. The requantization
/// scale keeps typical outputs inside the range, so both saturation and small values occur.
ConvLayer random_conv(const ConvShape& shape, int data_bits, ValueMix mix, std::mt19937_64& rng);
FeatureMap random_map(int h, int w, int c, int data_bits, ValueMix mix, std::mt19937_64& rng);

/// Random activation-clipping ranges for every output channel of `layer`: most inside the data range with
/// lo <= hi, some the whole range, some inverted (lo > hi, which the clamp's order decides).
void add_random_clip(ConvLayer& layer, int data_bits, std::mt19937_64& rng);

/// A GEMM C[M][N] = A[M][K] * B[K][N] as the accelerator runs it: a 1x1 convolution over a 1 x M x K map.
ConvShape gemm_shape(int m, int k, int n);

}  // namespace flipsim
