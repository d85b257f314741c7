// What runs a convolution layer: the golden model, the architectural model or the RTL.
#pragma once

#include <cstdint>
#include <string>

#include "model/accel/layer.h"

namespace flipsim {

/// Cost of one layer on the engine.
struct LayerRun {
  uint64_t cycles = 0;  ///< accelerator cycles (0 for engines without a notion of time)
  uint64_t macs = 0;    ///< useful multiply-accumulates
};

class ConvEngine {
 public:
  virtual ~ConvEngine() = default;
  /// Runs one layer; the result is bit-exact across engines (that is the invariant the tests enforce).
  virtual FeatureMap run(const FeatureMap& input, const ConvLayer& layer, LayerRun* run = nullptr) = 0;
  virtual std::string name() const = 0;
};

}  // namespace flipsim
