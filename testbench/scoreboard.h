// Compares what the RTL (or any engine) produced with what the golden model expects, layer by layer: one
// scoreboard for `flipsim gemm`, `flipsim conv` and `flipsim infer`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/accel/accel_config.h"
#include "model/accel/engine.h"
#include "model/accel/layer.h"

namespace flipsim {

class Scoreboard {
 public:
  struct Mismatch {
    std::string what;
    int y, x, c;
    int32_t expected, actual;
  };

  /// Compares two maps; returns the number of differing values (shape differences count as all).
  uint64_t check(const std::string& what, const FeatureMap& expected, const FeatureMap& actual);
  /// Compares `actual`, what an engine computed for `layer` on `input`, with the golden model's output for the
  /// accelerator `accel`; returns the number of differing values.
  uint64_t check_layer(const std::string& what, const FeatureMap& input, const ConvLayer& layer,
                       const AccelConfig& accel, const FeatureMap& actual);

  uint64_t checks() const { return checks_; }
  uint64_t mismatches() const { return mismatches_; }
  /// The first few mismatches, for messages.
  const std::vector<Mismatch>& first_mismatches() const { return first_; }
  std::string summary() const;

 private:
  static constexpr size_t kKeep = 8;
  uint64_t checks_ = 0;
  uint64_t mismatches_ = 0;
  std::vector<Mismatch> first_;
};

/// Runs every layer on `primary` and checks it on its scoreboard against the golden model; downstream ops see the
/// primary engine's output, so a mismatch shows how far it spreads.
class CheckedEngine : public ConvEngine {
 public:
  CheckedEngine(ConvEngine& primary, const AccelConfig& config) : primary_(primary), config_(config) {}
  FeatureMap run(const FeatureMap& input, const ConvLayer& layer, LayerRun* run) override;
  std::string name() const override { return primary_.name() + "+golden-check"; }
  const Scoreboard& scoreboard() const { return scoreboard_; }

 private:
  ConvEngine& primary_;
  AccelConfig config_;
  Scoreboard scoreboard_;
};

}  // namespace flipsim
