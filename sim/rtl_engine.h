// Runs layers on the Verilated accelerator through the SystemC harness and the front-door host port.
#pragma once

#include <functional>
#include <memory>
#include <vector>
#include <stdexcept>
#include <string>

#include "model/accel/accel_config.h"
#include "model/accel/engine.h"
#include "model/accel/layer_plan.h"
#include "testbench/hook_list.h"
#include "testbench/layer_driver.h"

namespace flipsim {

class Harness;

struct RtlOptions {
  std::string trace_file;  ///< FST waveform of everything the engine runs, when not empty
  bool trace_on_demand = false;  ///< let Harness::open_trace() start a waveform later
};

/// The accelerator did not finish a layer within the watchdog's cycle budget.
class HangError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What a protected accelerator reported over the passes since RtlEngine::reset_pass_count().
struct ProtectionEvents {
  int detected_passes = 0;   ///< passes that ended with an error detected and not corrected
  int corrected_passes = 0;  ///< passes in which the hardware corrected an error
  int recomputes = 0;        ///< passes run again under OnDetect::kRecompute
};

class RtlEngine : public ConvEngine {
 public:
  RtlEngine(const AccelConfig& config, const RtlOptions& options);
  ~RtlEngine() override;

  FeatureMap run(const FeatureMap& input, const ConvLayer& layer, LayerRun* run = nullptr) override;
  std::string name() const override { return "rtl"; }
  Harness& harness() { return *harness_; }
  const AccelConfig& config() const { return config_; }

  /// Hooks called at each stage of every pass with the pass's index, counted from the last reset_pass_count():
  /// the fault injector arms itself here, observers start watching. Each stays while its subscription lives.
  using PassHooks = HookList<int /*pass_index*/, PassStage, HostPort&>;
  [[nodiscard]] PassHooks::Subscription add_pass_hook(PassHooks::Hook hook) { return hooks_.add(std::move(hook)); }
  void reset_pass_count() {
    passes_ = 0;
    events_ = {};
  }
  const ProtectionEvents& protection_events() const { return events_; }
  int pass_count() const { return passes_; }
  /// Busy cycles of each pass since reset_pass_count().
  const std::vector<uint64_t>& pass_cycles() const { return pass_cycles_; }
  /// Layer name of each pass started since reset_pass_count() (a hung pass is the last one).
  const std::vector<std::string>& pass_layers() const { return pass_layers_; }

 private:
  AccelConfig config_;
  PassHooks hooks_;
  int passes_ = 0;
  ProtectionEvents events_;
  std::vector<uint64_t> pass_cycles_;
  std::vector<std::string> pass_layers_;
  std::unique_ptr<Harness> harness_;
};

/// The RTL engine for `config` (one per process). Throws ConfigError if no compiled variant matches.
std::unique_ptr<ConvEngine> make_rtl_engine(const AccelConfig& config, const RtlOptions& options);

}  // namespace flipsim
