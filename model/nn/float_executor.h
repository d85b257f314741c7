// Reference float execution of an imported graph (what the quantized network is measured against).
#pragma once

#include <cstdint>
#include <vector>

#include "model/nn/float_graph.h"

namespace flipsim::nn {

/// A float tensor in ONNX order (C, H, W for maps; a vector for [1, N]).
using FloatTensor = std::vector<float>;

/// The model's input for an 8-bit grayscale image: x = pixel / 255, as the shipped models were trained.
FloatTensor image_to_tensor(const uint8_t* pixels, size_t count);

/// Runs the graph; returns every value (index = value id), so callers can inspect any intermediate tensor.
/// `input` must hold graph.input().size() elements.
std::vector<FloatTensor> run_float_graph(const FloatGraph& graph, FloatTensor input);

/// The same into `values`, whose tensors are reused: a caller running many images allocates only for the first.
void run_float_graph(const FloatGraph& graph, const FloatTensor& input, std::vector<FloatTensor>& values);

/// Index of the largest element (the first one on ties).
int argmax(const float* data, size_t count);

}  // namespace flipsim::nn
