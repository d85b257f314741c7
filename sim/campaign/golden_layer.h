// What the campaign's faulty-run engines are given of the fault-free run: a layer the fault cannot reach sees its
// golden input, and its golden output is known already.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "model/accel/golden.h"
#include "model/nn/qnetwork.h"

namespace flipsim {

/// Golden output of a layer for its golden input (null when `input` is not the golden one).
using GoldenLayer = std::function<const FeatureMap*(const std::string& layer, const FeatureMap& input)>;

/// An accelerator layer's fault-free run: its input, its layer_accumulators() and its output.
struct GoldenLayerRun {
  const FeatureMap* input = nullptr;
  const std::vector<int64_t>* accumulators = nullptr;
  const FeatureMap* output = nullptr;
};

/// The GoldenLayer of a network's fault-free run (`values`, every value of it; both must outlive the result).
inline GoldenLayer known_golden_layers(const nn::QNetwork& net, const std::vector<FeatureMap>& values) {
  return [&net, &values](const std::string& layer, const FeatureMap& input) -> const FeatureMap* {
    for (const nn::QOp& op : net.ops)
      if (op.type == nn::QOpType::kAccel && op.layer.name == layer && values[size_t(op.inputs[0])] == input)
        return &values[size_t(op.output)];
    return nullptr;
  };
}

/// `layer`'s fault-free output for `input`: `known` (a GoldenLayer's answer) when `input` is golden; else, from `run`
/// (the layer's fault-free run, when given and of `input`'s shape), only the outputs the changed inputs reach
/// (golden_conv_changed); else the golden model's, whole.
inline FeatureMap golden_output(const FeatureMap* known, const AccelConfig& config, const ConvLayer& layer,
                                const FeatureMap& input, const GoldenLayerRun* run = nullptr) {
  if (known) return *known;
  if (run && run->input->height == input.height && run->input->width == input.width &&
      run->input->channels == input.channels)
    return golden_conv_changed(input, *run->input, *run->accumulators, *run->output, layer, config.data_bits,
                               config.acc_bits);
  return GoldenEngine(config).run(input, layer);
}

}  // namespace flipsim
