// Runs injections on the RTL (the full-RTL reference engine: every inference re-simulated cycle by cycle).
// Lives in a worker process: it owns that process's one SystemC harness.
#pragma once

#include <map>
#include <vector>

#include "sim/campaign/campaign_setup.h"
#include "sim/campaign/fault_plan.h"
#include "sim/campaign/result_store.h"
#include "sim/rtl_engine.h"
#include "testbench/fault.h"
#include "testbench/ppu_observer.h"

namespace flipsim {

class InjectionRunner {
 public:
  /// `watchdog_cycles` bounds each pass (0: the accelerator config's own watchdog).
  InjectionRunner(const CampaignSetup& setup, uint64_t watchdog_cycles, const RtlOptions& rtl = {});

  /// Fault-free RTL run of the campaign's first image; throws if it differs from the golden model.
  Timeline probe();
  /// Fault-free RTL run of one test image from the same starting state as every injection.
  void run_fault_free(int image);
  InjectionRecord run(const Injection& injection);
  RtlEngine& engine() { return engine_; }

 private:
  /// Reset, buffers zeroed, pass count 0: the state every run starts from, so runs compare cycle by cycle.
  void start_clean();
  const std::vector<FeatureMap>& golden(int image);

  const CampaignSetup& setup_;
  RtlEngine engine_;
  PpuObserver ppu_;
  std::map<int, std::vector<FeatureMap>> golden_;
};

}  // namespace flipsim
