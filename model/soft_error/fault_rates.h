// Per-bit error rates of every stored value class, layer by layer: what the model and the samplers share.
#pragma once

#include <vector>

#include "model/soft_error/fault_space.h"

namespace flipsim::model {

/// Per-bit error rates of one accelerator layer's stored weights and of the input activations it reads.
struct LayerRates {
  double weight = 0;
  double activation = 0;
};

/// Rates for every accelerator layer (index = position in QNetwork::accel_ops()).
using FaultRates = std::vector<LayerRates>;

/// `ber` on the target's values of the chosen layers (all when `layers` is empty), 0 elsewhere.
FaultRates uniform_rates(size_t accel_layers, FaultTarget target, double ber, const std::vector<int>& layers = {});

}  // namespace flipsim::model
