// Runs layers on the Verilated accelerator through the SystemC harness and the front-door host port.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "accel/accel_config.h"
#include "accel/engine.h"
#include "accel/layer_plan.h"

namespace flipsim {

class Harness;

struct RtlOptions {
  std::string trace_file;  ///< FST waveform of everything the engine runs, when not empty
};

/// The accelerator did not finish a layer within the watchdog's cycle budget.
class HangError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RtlEngine : public ConvEngine {
 public:
  RtlEngine(const AccelConfig& config, const RtlOptions& options);
  ~RtlEngine() override;

  FeatureMap run(const FeatureMap& input, const ConvLayer& layer, LayerRun* run = nullptr) override;
  std::string name() const override { return "rtl"; }
  Harness& harness() { return *harness_; }

 private:
  AccelConfig config_;
  std::unique_ptr<Harness> harness_;
};

/// The RTL engine for `config` (one per process). Throws ConfigError if no compiled variant matches.
std::unique_ptr<ConvEngine> make_rtl_engine(const AccelConfig& config, const RtlOptions& options);

}  // namespace flipsim
