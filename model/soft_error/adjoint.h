// Sensitivities of the logits to every accelerator layer's outputs, inputs and weights at an image's golden
// operating point (first-order, "linearized downstream" propagation of a disturbance).
//
// A disturbance that leaves layer L is carried to the logits by the layers after it. Around the golden run the
// network is piecewise linear: a requantizer passes r = multiplier / 2^shift where its golden output is inside
// the data range and blocks where it is clamped (ReLU off, saturated); max pooling passes the window's maximum;
// average pooling and residual adds pass their scale factors. The product of these local derivatives, backwards
// from the logits, is the Jacobian dz/dy_L (one row per logit). It carries correlated disturbances exactly, which
// treating neurons as independent does not: one flipped input feeds many accumulators, and every neuron of a
// layer feeds every neuron of the next.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <vector>

#include "model/accel/layer.h"
#include "model/nn/qnetwork.h"

namespace flipsim::model {

/// Per-element sensitivities of the D logits: row k of an N x D matrix is the gradient of the logits with respect
/// to element k of a map (HWC index).
using Sensitivity = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Golden accumulators (bias included) of every accelerator layer of one image, in accel_ops() order.
std::vector<std::vector<int64_t>> golden_accumulators(const nn::QNetwork& net, const std::vector<FeatureMap>& golden);

/// The derivative of a requantized output with respect to its accumulator at the golden point: r inside the data
/// range, 0 where clamped, r/2 exactly on a bound (a disturbance passes in one direction only).
double requant_gate(int64_t acc, const Requant& rq, int data_bits, const ClipRange* clip = nullptr);

/// dz/dy for the output value of every accelerator layer (index = accel_ops() position), by back-propagation from
/// the logits through the golden run, with the requantizers' golden gates.
std::vector<Sensitivity> output_sensitivities(const nn::QNetwork& net, const std::vector<FeatureMap>& golden,
                                              const std::vector<std::vector<int64_t>>& golden_acc);

/// Back-propagates accumulator sensitivities `acc_sens` (out_height*out_width*out_channels x D) of a convolution
/// to its input map (in_h x in_w x in_channels): the sensitivity to each stored input value as this layer reads it.
Sensitivity conv_input_sensitivity(const ConvLayer& layer, int in_h, int in_w, const Sensitivity& acc_sens);

/// The sensitivity to each stored weight (OHWI order) of a convolution run on `input`.
Sensitivity conv_weight_sensitivity(const ConvLayer& layer, const FeatureMap& input, const Sensitivity& acc_sens);

}  // namespace flipsim::model
