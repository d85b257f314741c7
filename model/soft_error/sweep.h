// Accuracy against per-bit error rate by three methods that check each other:
//   software     bit-exact fault simulation (sw_fault_sim.h): measured, with Wilson intervals;
//   model        the data-level model (data_model.h): predicted, plain normal and improved;
//   accelerated  one golden pass per image, then faulty top-1 classes drawn from the model (ImageModel), with
//                Wilson intervals like a measurement.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/common/stats.h"
#include "model/soft_error/sweep_config.h"

namespace flipsim::model {

enum class Method { kSoftware, kModel, kAccelerated };

/// "software", "model", "accelerated".
const char* method_name(Method m);

/// One rate of a sweep.
struct SweepPoint {
  double ber = 0;
  double expected_flips = 0;  ///< ber times the stored bits in scope
  Proportion accuracy;        ///< measured methods: with its Wilson interval; model: low = high = value
  Proportion unchanged;       ///< top-1 equal to the golden run's
  Proportion sdc;             ///< software: some logit differs from the golden run
  uint64_t trials = 0;        ///< measured methods: images x injections
  double accuracy_normal = -1;  ///< model: the plain normal model's prediction (-1: not computed)
};

/// One method's sweep.
struct SweepResult {
  Method method = Method::kSoftware;
  std::string config;
  std::string network;  ///< model file
  int data_bits = 8;
  FaultTarget target = FaultTarget::kWeights;
  std::vector<std::string> layers;  ///< layer names in scope (empty: all)
  int images = 0;
  int first_image = 0;              ///< test images first_image .. first_image + images - 1
  int injections = 0;
  uint64_t bits = 0;                ///< stored bits in scope
  double golden_accuracy = 0;       ///< fault-free accuracy on the same images
  double seconds = 0;               ///< wall time of the method (golden passes included, network loading not)
  std::vector<SweepPoint> points;
};

/// How to run (not part of the result's identity).
struct RunOptions {
  int threads = 1;         ///< images are split across threads; results do not depend on the count
  bool plain_normal = true;  ///< model: also evaluate the plain normal model
  bool progress = false;     ///< images done, rate and ETA on stderr when it is a terminal
};

/// Runs one method over the config's rates on `images` test images of a loaded network, for the config's layers
/// (or only `layers_override` when non-empty: per-layer sensitivity).
SweepResult run_sweep(const SweepConfig& config, const LoadedNetwork& loaded, Method method,
                      const RunOptions& options = {}, const std::vector<int>* layers_override = nullptr);

/// JSON: config, method, network, data_bits, target, layers, images, first_image, injections, bits, golden_accuracy, seconds
/// and points (each {ber, expected_flips, accuracy, ci_low, ci_high, trials, unchanged, sdc, accuracy_normal}).
nlohmann::json to_json(const SweepResult& r);

}  // namespace flipsim::model
