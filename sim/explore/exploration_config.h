// configs/explore/*.yaml: one fault campaign run once per protection option of a protectable accelerator.
#pragma once

#include <string>
#include <vector>

#include "model/accel/protection.h"

namespace flipsim {

struct ExploreOption {
  std::string name;  ///< file-name safe: [A-Za-z0-9_-]+
  Protection protection;
};

struct ExplorationConfig {
  std::string file;
  std::string name;
  /// The campaign every option runs, as YAML text of a `campaign:` document (paths made absolute), without
  /// `name` and `protection`: option_campaign_yaml() adds them.
  std::string campaign_yaml;
  std::vector<ExploreOption> options;  ///< the first one unprotected: it is the baseline the others are predicted from
};

/// Loads and validates an exploration; ConfigError names the file and key. Every option's campaign is loaded
/// once here, so a bad campaign fails before anything runs.
ExplorationConfig load_exploration_config(const std::string& path);

/// The campaign YAML of option `i`.
std::string option_campaign_yaml(const ExplorationConfig& config, size_t i);

}  // namespace flipsim
