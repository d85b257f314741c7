// Accuracy of the float and the quantized network on labelled images.
#pragma once

#include <cstddef>

#include "model/accel/engine.h"
#include "model/nn/float_graph.h"
#include "model/nn/idx_dataset.h"
#include "model/nn/qnetwork.h"

namespace flipsim::nn {

/// Throws ConfigError naming the model unless it takes [1, 1, rows, cols] images of `images` and returns
/// one logit per class.
void check_model_fits_images(const FloatGraph& graph, const ImageSet& images);

/// Top-1 correct count of the float graph on the first `count` images.
size_t float_correct(const FloatGraph& graph, const ImageSet& images, size_t count);

/// Top-1 correct count of the quantized network on the first `count` images; cost accumulates into `run`.
size_t quantized_correct(const QNetwork& net, ConvEngine& engine, const ImageSet& images, size_t count,
                         NetworkRun* run = nullptr);

}  // namespace flipsim::nn
