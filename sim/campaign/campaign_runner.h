// Runs a campaign: sizes it, shards the injections over worker processes (one SystemC kernel each), stores
// every result as it arrives, and resumes from the database after a crash.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "sim/campaign/injection_runner.h"

namespace flipsim {

struct CampaignRunOptions {
  std::string db;        ///< database file (created, or resumed when it holds this campaign)
  int workers = 0;       ///< 0: the config's
  bool progress = true;  ///< progress line on stderr when it is a terminal
  CampaignEngine engine = CampaignEngine::kHybrid;
};

/// Runs what is left of the campaign and returns its summary (campaign_summary() in report.h) with this run's
/// "seconds", "run_injections", "injections_per_second" and "workers".
nlohmann::json run_campaign(const std::string& config_path, const CampaignRunOptions& options);

}  // namespace flipsim
