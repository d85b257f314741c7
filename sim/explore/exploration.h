// flipsim explore: for every protection option of a study, what it costs (storage and flip-flop bits, logic
// from Yosys) and what it buys (the campaign's critical-SDC rate and accuracy, with 95 % intervals, beside a
// prediction from the unprotected baseline); the options on the Pareto front of cost against critical SDCs.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "model/common/stats.h"
#include "sim/campaign/campaign_runner.h"
#include "sim/campaign/mpi_session.h"
#include "sim/explore/exploration_config.h"
#include "sim/explore/protection_cost.h"

namespace flipsim {

struct OptionResult {
  ExploreOption option;
  std::string db;  ///< the option's campaign database
  uint64_t trials = 0, masked = 0, sdc = 0, critical = 0, detected = 0, corrected = 0, hangs = 0, correct = 0;
  uint64_t fault_free_correct = 0;
  Proportion critical_rate;        ///< sdc_critical / trials
  Proportion accuracy;             ///< top-1 equal to the label (a hang is wrong)
  /// The same images' fault-free top-1 equal to the label: what the option costs in accuracy without faults
  /// (clipping may cut a fault-free activation that exceeds its calibrated range).
  Proportion fault_free_accuracy;
  Proportion detected_rate;  ///< detected (a DUE: the system knows the answer is bad)
  /// The critical-SDC rate predicted from the baseline's injections and what the option covers; < 0: not
  /// predicted (`prediction_note` says why).
  double predicted = -1;
  std::string prediction_note;
  /// Under a bit-error rate with on_detect: flag, the predicted share of inferences a code flags (< 0: none).
  double predicted_detected = -1;
  /// Against the baseline, when both campaigns drew the same injections (the option adds no site to the targets,
  /// and every row has the same image, site, pass, cycle, mask and flips): inferences critical only without the
  /// option, only with it, and the exact McNemar p-value of that difference.
  bool paired = false;
  uint64_t critical_only_baseline = 0, critical_only_option = 0;
  double paired_p = 1;
  ProtectionCost cost;
  bool pareto = false;  ///< no other option is at most as costly and has fewer critical SDCs
};

struct ExplorationResult {
  ExplorationConfig config;
  std::vector<OptionResult> options;
  double campaign_seconds = 0;
};

struct ExploreRunOptions {
  std::string out_dir = "results/explore";
  int workers = 0;
  CampaignEngine engine = CampaignEngine::kHybrid;
  bool progress = true;
};

/// Runs (or resumes) every option's campaign and evaluates it.
ExplorationResult run_exploration(const ExplorationConfig& config, const ExploreRunOptions& options,
                                  const MpiSession& mpi);

nlohmann::json to_json(const ExplorationResult& r);
void print_exploration(const ExplorationResult& r);

}  // namespace flipsim
