// Functional golden model: direct integer convolution with the accelerator's arithmetic.
#pragma once

#include <vector>

#include "model/accel/accel_config.h"
#include "model/accel/engine.h"

namespace flipsim {

/// One output's accumulator before requantization (bias included, wrapped to acc_bits).
int64_t golden_accumulator(const FeatureMap& input, const ConvLayer& layer, int oy, int ox, int o, int acc_bits);

/// Every output's golden_accumulator(), in the output map's order ((oy * out_width + ox) * out_channels + o).
std::vector<int64_t> layer_accumulators(const FeatureMap& input, const ConvLayer& layer, int acc_bits);

/// Direct convolution: accumulators wrap at acc_bits, outputs are requantized by the PPU rules.
FeatureMap golden_conv(const FeatureMap& input, const ConvLayer& layer, int data_bits, int acc_bits);

/// golden_conv(input, ...) from the layer's fault-free run on `golden_input` (its layer_accumulators() and its
/// output): an output whose window covers no input that differs is the golden one, and the others are their
/// golden accumulators plus the differences' products (wrapping is modular, so the sum wraps as the direct one).
/// A campaign's faulty runs change a few of a layer's inputs: this costs what they reach, not the whole layer.
FeatureMap golden_conv_changed(const FeatureMap& input, const FeatureMap& golden_input,
                               const std::vector<int64_t>& golden_accumulators, const FeatureMap& golden_output,
                               const ConvLayer& layer, int data_bits, int acc_bits);

/// Golden engine for a given accelerator configuration (no timing).
class GoldenEngine : public ConvEngine {
 public:
  explicit GoldenEngine(const AccelConfig& config) : config_(config) {}
  FeatureMap run(const FeatureMap& input, const ConvLayer& layer, LayerRun* run = nullptr) override;
  std::string name() const override { return "golden"; }

 private:
  AccelConfig config_;
};

}  // namespace flipsim
