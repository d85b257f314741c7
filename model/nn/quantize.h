// Post-training symmetric per-tensor quantization of a float graph to the accelerator's integers.
//
// The scheme (zero point 0 everywhere, B = data_bits, Q = 2^(B-1) - 1):
//   activation scale  s_v = max|v| / Q over the calibration images (max|v| = 0 gives s_v = 1 / Q);
//                     pooling, padding, ReLU and flatten keep their input's scale;
//   input             x_q = saturate(round(pixel / 255 / s_input));
//   weights           s_w = max|W| / Q per tensor, W_q = round(W / s_w)            (round half away from 0);
//   bias              b_q = saturate_acc(round(b / (s_in * s_w)))                 (accumulator units);
//   requantization    requant_from_scale(s_in * s_w / s_out), ReLU fused when it follows the Conv/Gemm;
//   residual Add      each input rescaled by requant_from_scale(s_x / s_out), summed, saturated (host_ops.h).
// The PPU has one multiplier per layer, hence per-tensor (not per-channel) weight scales.
#pragma once

#include <cstddef>
#include <vector>

#include "model/nn/float_graph.h"
#include "model/nn/idx_dataset.h"
#include "model/nn/qnetwork.h"

namespace flipsim::nn {

/// Integer widths of the target accelerator.
struct QuantOptions {
  int data_bits = 8;  ///< 8 or 16
  int acc_bits = 32;  ///< biases saturate to this width
};

/// Largest |x| of every value (index = value id) over the first `count` images of `images`.
/// Throws ConfigError when the model does not fit the images or count exceeds the set.
std::vector<double> calibrate(const FloatGraph& graph, const ImageSet& images, size_t count);

/// Quantizes a folded graph with the calibrated ranges. Throws ConfigError naming the node when an op cannot be
/// quantized (e.g. a BatchNormalization that did not fold into a Conv).
QNetwork quantize(const FloatGraph& graph, const std::vector<double>& max_abs, const QuantOptions& options);

/// calibrate() then quantize().
QNetwork quantize_network(const FloatGraph& graph, const ImageSet& calibration, size_t count,
                          const QuantOptions& options);

}  // namespace flipsim::nn
