// Stored values read as zero: what a buffer code with `on_detect: zero` does to the data of a word whose error it
// detects but cannot correct. A zeroed value is no single bit flip (its error is minus the value itself), so the
// data-level model's flip terms do not carry it; instead every trial zeroes each stored value independently with
// its kind's probability and runs the image through the bit-exact software fault simulation (sw_fault_sim.h) with
// all of them at once, zeroing expressed as flips of the value's set bits.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "model/accel/accel_config.h"
#include "model/common/stats.h"
#include "model/soft_error/fault_space.h"
#include "model/soft_error/sw_fault_sim.h"
#include "model/nn/idx_dataset.h"
#include "model/nn/qnetwork.h"

namespace flipsim::model {

/// Probability that one stored value of each kind reads as zero in an inference.
struct ZeroingRates {
  double weight = 0;
  double activation = 0;  ///< a layer's input, as the layer reads it
  double bias = 0;
  double of(SiteKind kind) const;
};

/// The flips that zero a value: every bit set in its `width`-bit two's complement.
std::vector<BitFlip> zeroing_flips(BitFlip site, int64_t value, int width);

/// Draws one trial's zeroed values over `space` (every segment of a kind with a non-zero rate) on the image loaded
/// in `sim`, as flips: K ~ Binomial(values, rate) distinct values per segment.
std::vector<BitFlip> sample_zeroings(const FaultSpace& space, const SwFaultSim& sim, const ZeroingRates& rates,
                                     std::mt19937_64& rng);

/// P(top-1 differs from the fault-free run's) with values zeroed at `rates`, measured over `trials` trials on each
/// of `images` (labels unused), with its Wilson interval. Trials depend only on (seed, image index, trial), so the
/// result does not depend on `threads`.
Proportion zeroed_top1_change(const nn::QNetwork& net, const AccelConfig& accel, const nn::ImageSet& images,
                              const ZeroingRates& rates, int trials, uint64_t seed, int threads);

}  // namespace flipsim::model
