// How many flipped bits can reach one element of a value: the receptive field of the element over every stored
// map and weight set that can flip, times the significant bits there (the top 8 of each value) and their rate.
//
// The improved model needs it to tell a sparse disturbance (an element hit now and then by one of a few flips)
// from a dense one (many flips, close to normal): see compound_moments() in moment_model.cpp. Receptive fields
// follow the usual arithmetic: a window of k positions at stride s over a map whose positions each see r source
// positions spaced j apart sees r + (k - 1) j of them, spaced j s apart. A convolution mixes every channel; a
// layer's weights are shared over positions, so below the layer that owns them an element sees all of them.
// Borders are ignored (every element of a value gets the interior count), which overstates the reach at edges.
#pragma once

#include <vector>

#include "model/soft_error/fault_rates.h"
#include "model/nn/qnetwork.h"

namespace flipsim::model {

/// Per value id: the expected number of distinct flipped significant bits that can reach one of its elements.
std::vector<double> expected_hits(const nn::QNetwork& net, const std::vector<FeatureMap>& golden,
                                  const FaultRates& rates);

}  // namespace flipsim::model
