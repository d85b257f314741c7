// flipsim campaign --crosscheck N: the hybrid engine against the full-RTL engine, on N random injections of every
// site class under every fault model, on the campaign's network and images. Outcome, masking stage, first
// differing op, every op's output (logits included) and every other column must agree; cycles simulated differ
// by design.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace flipsim {

struct CrosscheckOptions {
  uint64_t per_case = 1;  ///< injections per (fault model, site class)
  int workers = 1;
  bool progress = false;  ///< progress line on stderr (only on a terminal)
  /// Only the campaign's own fault model and targets, drawn as its plan draws them (flipsim validate), instead
  /// of every fault model on every site class.
  bool own_fault_only = false;
};

struct CrosscheckResult {
  uint64_t injections = 0;
  uint64_t hybrid_ran = 0;  ///< of those, how many the hybrid engine ran (the rest it hands to the full engine)
  std::vector<std::string> cases;       ///< "model/class" pairs covered
  std::vector<std::string> mismatches;  ///< one readable line per injection whose two runs differ
  std::map<std::string, uint64_t> hybrid_ran_outcomes;  ///< outcome -> injections the hybrid engine ran
  nlohmann::json to_json() const;
};

CrosscheckResult crosscheck_engines(const std::string& config_path, const CrosscheckOptions& options);

}  // namespace flipsim
