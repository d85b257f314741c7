// Everything a campaign needs before any simulation: the validated config, the quantized network, the test set,
// the fault-site map and the sites the campaign samples from. Loaded once in the parent, inherited by workers;
// planning (fault_plan.h) and running (injection_runner.h) both start from it.
#pragma once

#include <memory>
#include <string>

#include "model/nn/idx_dataset.h"
#include "model/nn/qnetwork.h"
#include "sim/campaign/campaign_config.h"
#include "sim/campaign/fault_plan.h"
#include "testbench/site_map.h"

namespace flipsim {

struct CampaignSetup {
  CampaignConfig config;
  nn::QNetwork net;
  nn::ImageSet test;
  std::unique_ptr<SiteMap> map;
  std::unique_ptr<TargetSpace> space;
};

/// Loads the config, the dataset and the network, quantizes it and selects the target sites.
std::unique_ptr<CampaignSetup> load_campaign_setup(const std::string& config_path);

}  // namespace flipsim
