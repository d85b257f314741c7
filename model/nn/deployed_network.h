// The integer network a config deploys on its accelerator: one definition for the campaigns, the model, the
// sweeps and `flipsim infer`, so that all of them run the same network (clip ranges included).
#pragma once

#include "model/nn/float_graph.h"
#include "model/nn/idx_dataset.h"
#include "model/nn/infer_config.h"
#include "model/nn/qnetwork.h"

namespace flipsim::nn {

/// `graph` quantized on the first `infer.calibration_images` of `train` at the config's widths and, when its
/// accelerator clips activations, with every channel's clip range calibrated on the same images.
QNetwork deployed_network(const FloatGraph& graph, const ImageSet& train, const InferConfig& infer);

}  // namespace flipsim::nn
