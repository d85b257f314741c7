// configs/sweeps/*.yaml: which network, which stored values, which error rates, how many images and injections.
//
//   sweep:
//     infer: ../infer/lenet5.yaml     # network + accelerator + dataset (an inference config)
//     target: weights                 # weights | activations | both (the two) | biases
//     layers: all                     # or a list of accelerator layer names (flipsim infer --layers)
//     ber: {from: 1.0e-7, to: 1.0e-2, points: 13}   # log-spaced; or  bers: [1.0e-7, ...]
//     images: 100                     # N test images
//     first_image: 0                  # starting at this test image (e.g. 5000: held out from tuning)
//     injections: 100                 # per image and rate (software and accelerated methods)
//     seed: 1
//     model: {single_flip_samples: 128, compound_draws: 256, draw_pairs: 512,   # optional
//             poisson_limit_weights: 2, poisson_limit_activations: 5,     # or poisson_limit: N for both
//             tail_jumps: 0}
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/common/yaml_fields.h"
#include "model/soft_error/data_model.h"
#include "model/soft_error/fault_space.h"
#include "model/nn/float_graph.h"
#include "model/nn/idx_dataset.h"
#include "model/nn/infer_config.h"
#include "model/nn/qnetwork.h"

namespace flipsim::model {

/// A validated sweep configuration.
struct SweepConfig {
  std::string file;
  nn::InferConfig infer;
  FaultTarget target = FaultTarget::kWeights;
  std::vector<std::string> layer_names;  ///< empty: every accelerator layer
  std::vector<double> bers;              ///< per-bit error rates, ascending
  int images = 100;
  int first_image = 0;  ///< test images first_image .. first_image + images - 1
  int injections = 100;
  uint64_t seed = 1;
  ModelOptions model;
};

/// The per-bit error rates of a config section: `ber: {from, to, points}` (log-spaced) or `bers: [...]`
/// (strictly ascending), each in (0, 0.5]; a ConfigError naming the file, line and key otherwise.
std::vector<double> read_error_rates(const YamlFields& section);

/// Loads and validates a sweep config. Unknown keys, wrong types, rates outside (0, 0.5], a rate list that is not
/// ascending, and missing files are ConfigErrors naming the file, line and key.
SweepConfig load_sweep_config(const std::string& path);

/// The quantized network and the test images a sweep runs on.
struct LoadedNetwork {
  nn::FloatGraph graph;
  nn::QNetwork net;
  nn::ImageSet test;
};

/// Imports, calibrates and quantizes the config's network; checks that test images first_image .. first_image +
/// images - 1 exist (a ConfigError naming `where` and the test set's size when not) and keeps exactly those.
LoadedNetwork load_network(const nn::InferConfig& infer, int images, int first_image = 0,
                           const std::string& where = "");

/// Accelerator layer positions (accel_ops() order) of `names`; a ConfigError naming `where` and listing the valid
/// names when one is unknown. Empty names give an empty list (all layers).
std::vector<int> resolve_layers(const nn::QNetwork& net, const std::vector<std::string>& names,
                                const std::string& where);

/// Names of the accelerator layers in accel_ops() order.
std::vector<std::string> accel_layer_names(const nn::QNetwork& net);

}  // namespace flipsim::model
