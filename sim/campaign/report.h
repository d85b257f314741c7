// Aggregates a campaign's injections into rate tables with Wilson intervals: by site class, layer, bit
// position and PE.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "sim/campaign/result_store.h"

namespace flipsim {

/// {"campaign", "injections", "tables": {"class"|"layer"|"bit"|"pe": [{key, n, sdc, sdc_critical, masked, hang,
/// sdc_rate, sdc_ci_low, sdc_ci_high, critical_rate, critical_ci_low, critical_ci_high}, ...]}}.
/// "sdc" counts every silent corruption (top-1 kept or changed); "critical" only top-1 changes.
nlohmann::json campaign_report(const ResultStore& store, double confidence = 0.95);

/// Writes every injection row as CSV (a header line, then one line per injection).
void write_injections_csv(const ResultStore& store, const std::string& path);

}  // namespace flipsim
