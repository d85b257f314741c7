// configs/campaigns/*.yaml: what a fault campaign injects, where, when, how often and with which seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "testbench/fault.h"
#include "testbench/site_map.h"
#include "model/nn/infer_config.h"

namespace flipsim {

class YamlFields;

/// Which sites a campaign samples from (all conditions must hold).
struct TargetFilter {
  std::vector<SiteClass> classes;  ///< empty: every class
  bool per_class = false;          ///< draw a class uniformly first, then a site of it: equal n per class
  std::string pattern = "*";       ///< site pattern, testbench/site_pattern.h ("array.pe[*][0].psum_q", "wbuf[0:15]")
  int row_min = 0, row_max = 1 << 20;  ///< PE / skew rows (sites without a row always pass)
  int col_min = 0, col_max = 1 << 20;
  int bit_min = 0, bit_max = 63;   ///< bit within the register, or within the SRAM lane
};

struct CampaignConfig {
  std::string file;
  std::string text;  ///< the YAML as read, stored with the results
  std::string name;
  nn::InferConfig network;
  std::vector<int> images;  ///< test-set indices
  /// false: each injection on a uniformly drawn image; true: injection i on images[i % images.size()], so every
  /// image carries the same number of injections and a measured accuracy is paired with the fault-free one.
  bool images_in_turn = false;
  TargetFilter targets;
  FaultModel fault = FaultModel::kFlip;
  int fault_bits = 2;
  uint64_t duration = 0;
  double ber = 1e-6;
  uint64_t injections = 0;  ///< 0: sized from margin and confidence
  double margin = 0.05;
  double confidence = 0.95;
  uint64_t seed = 1;
  int workers = 0;  ///< 0: not given (one per core)
  double watchdog_factor = 4.0;  ///< a pass running longer than this times its golden length is a hang
};

/// The list of site class names under `key` of `fields` (a ConfigError naming the file, line and key otherwise).
std::vector<SiteClass> read_site_classes(const YamlFields& fields, const std::string& key);

/// The `fault:` section of `fields` (model, bits, duration, ber; each optional) into c.fault, c.fault_bits,
/// c.duration and c.ber; a ConfigError naming the file, line and key for anything else.
void read_fault_section(const YamlFields& fields, CampaignConfig& c);

/// Loads and validates a campaign; ConfigError names the file, line and key.
CampaignConfig load_campaign_config(const std::string& path);

/// Writes a campaign file that a tool generated (flipsim validate's points, flipsim explore's options) unless
/// the file already holds exactly `text`, so that a rerun resumes the campaign it left; throws when it cannot.
void write_generated_campaign(const std::string& path, const std::string& text);

}  // namespace flipsim
