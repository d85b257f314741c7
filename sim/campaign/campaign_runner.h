// Runs a campaign: sizes it, shards the injections over worker processes (one SystemC kernel each), stores
// every result as it arrives, and resumes from the database after a crash.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "sim/campaign/result_store.h"

namespace flipsim {

struct CampaignRunOptions {
  std::string db;        ///< database file (created, or resumed when it holds this campaign)
  int workers = 0;       ///< 0: the config's
  bool progress = true;  ///< progress line on stderr when it is a terminal
};

/// Runs what is left of the campaign and returns its summary (see summarize()).
nlohmann::json run_campaign(const std::string& config_path, const CampaignRunOptions& options);

/// {"campaign", "db", "injections", "planned", "by_outcome": {outcome: n},
///  "by_class": {class: {n, sdc_critical, sdc, masked, hang, ci_low, ci_high}}} with Wilson intervals on the
/// critical-SDC rate at the campaign's confidence.
nlohmann::json summarize(const ResultStore& store);

}  // namespace flipsim
