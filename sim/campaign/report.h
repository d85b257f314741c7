// Aggregates a campaign's injections, once, for both the campaign's end-of-run summary and `flipsim report`:
// counts by outcome and rate tables with Wilson intervals by site class, layer, bit position and PE.
//
// One meaning everywhere: "sdc" counts every silent data corruption (stored outcome sdc or sdc_critical, top-1
// kept or changed); "sdc_critical" (or "critical") only those that changed the top-1 class. The one exception
// is `by_outcome`, keyed by the stored outcome text: its counts partition the injections, so its "sdc" is the
// stored value sdc (top-1 kept).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "sim/campaign/result_store.h"

namespace flipsim {

/// The outcomes of one group of injections.
class OutcomeCounts {
 public:
  void add(Outcome o, uint64_t times = 1);
  uint64_t n() const { return n_; }
  uint64_t count(Outcome o) const { return by_outcome_[size_t(o)]; }
  /// Every silent data corruption: sdc + sdc_critical.
  uint64_t sdc() const { return count(Outcome::kSdc) + count(Outcome::kSdcCritical); }
  /// Silent data corruptions that changed the top-1 class.
  uint64_t critical() const { return count(Outcome::kSdcCritical); }

 private:
  uint64_t n_ = 0;
  std::array<uint64_t, kAllOutcomes.size()> by_outcome_{};
};

/// Every injection counted once per table.
struct CampaignTally {
  OutcomeCounts all;
  std::map<std::string, OutcomeCounts> by_class;
  std::map<std::string, OutcomeCounts> by_layer;
  std::map<std::string, OutcomeCounts> by_pe;  ///< "row,col"; injections with a PE only
  std::map<int, OutcomeCounts> by_bit;         ///< injections with a bit only
};
CampaignTally tally(const std::vector<InjectionRecord>& records);

/// {"campaign", "accelerator", "injections", "planned", "confidence", "tables": {"class"|"layer"|"bit"|"pe":
/// [{key, n, sdc, sdc_critical, masked, hang, sdc_rate, sdc_ci_low, sdc_ci_high, critical_rate, critical_ci_low,
/// critical_ci_high}, ...]}}.
nlohmann::json campaign_report(const ResultStore& store, double confidence = 0.95);

/// The campaign command's summary: {"campaign", "db", "accelerator", "injections", "planned", "confidence",
/// "by_outcome": {stored outcome: n}, "by_class": {class: {n, sdc_critical, sdc, masked, hang, rate, ci_low,
/// ci_high}}}, where rate and its interval are the critical-SDC rate's.
nlohmann::json campaign_summary(const ResultStore& store, double confidence = 0.95);
/// The same from the campaign's row, its database's path and its rows' outcomes by class.
nlohmann::json campaign_summary(const CampaignRow& campaign, const std::string& db,
                                const std::vector<ResultStore::ClassOutcomes>& counts, double confidence = 0.95);

/// Outcomes by site class, counted as a campaign stores its rows: its summary without reading them back.
class OutcomeTally {
 public:
  OutcomeTally() = default;
  explicit OutcomeTally(const std::vector<ResultStore::ClassOutcomes>& counts);
  /// Counts a worker's result line (to_line()'s format); throws std::runtime_error on a malformed one.
  void add(std::string_view line);
  std::vector<ResultStore::ClassOutcomes> counts() const;

 private:
  void add(std::string_view site_class, Outcome outcome, uint64_t n);
  /// A campaign's few classes, searched in turn (a map's lookup cost more than the line's split).
  std::vector<std::pair<std::string, std::array<uint64_t, kAllOutcomes.size()>>> by_class_;
};

/// Writes every injection row as CSV (a header line, then one line per injection).
void write_injections_csv(const ResultStore& store, const std::string& path);

}  // namespace flipsim
