// Runs injections on the RTL (the full-RTL reference engine: every inference re-simulated cycle by cycle).
// Lives in a worker process: it owns that process's one SystemC harness.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "testbench/site_map.h"
#include "sim/campaign/campaign_config.h"
#include "sim/campaign/fault_plan.h"
#include "sim/campaign/result_store.h"
#include "model/nn/idx_dataset.h"
#include "model/nn/qnetwork.h"
#include "testbench/ppu_observer.h"
#include "sim/rtl_engine.h"

namespace flipsim {

/// Everything a campaign needs before any simulation: loaded once in the parent, inherited by workers.
struct CampaignSetup {
  CampaignConfig config;
  nn::QNetwork net;
  nn::ImageSet test;
  std::unique_ptr<SiteMap> map;
  std::unique_ptr<TargetSpace> space;
};

/// Loads the config, the dataset and the network, quantizes it and selects the target sites.
std::unique_ptr<CampaignSetup> load_campaign_setup(const std::string& config_path);

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
  const std::vector<FeatureMap>& golden(int image);
  void arm(const Injection& injection, int pass, PassStage stage, HostPort& port, int& flips);

  const CampaignSetup& setup_;
  RtlEngine engine_;
  PpuObserver ppu_;
  std::map<int, std::vector<FeatureMap>> golden_;
};

}  // namespace flipsim
