// What the model predicts a campaign will measure, without running it: for an SRAM bit-error-rate campaign on the
// weight, activation and bias buffers, the data-level model at the campaign's rate on its images; the accumulator
// and output buffers rewrite every word before reading it. For single-bit upsets of the PE registers (pe_weight,
// pe_act, pe_psum), the RTL-level register model (model/soft_error/register_model.h) per class. Any other
// campaign (other flip-flop classes, single SRAM flips, stuck-at) is not modelled yet, and saying so is an error
// rather than a guess.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/campaign/campaign_config.h"

namespace flipsim {

/// One flip-flop class's predicted rates (Monte Carlo over upsets, with their 95 % intervals).
struct ClassPrediction {
  std::string site_class;
  double sdc_rate = 0, sdc_low = 0, sdc_high = 0;
  double critical_sdc_rate = 0, critical_low = 0, critical_high = 0;
  uint64_t samples = 0;
  double live = 0;  ///< share of the upsets that changed some accumulator
};

struct CampaignPrediction {
  std::string campaign;          ///< config file
  std::vector<Buffer> buffers;   ///< the campaign's buffers
  std::string model_target;      ///< the data-level values the model flips ("weights", ..., "none")
  double ber = 0;
  int images = 0, first_image = 0;
  double golden_accuracy = 0;    ///< fault-free, on the same images
  double accuracy = 0;           ///< predicted top-1 accuracy
  double critical_sdc_rate = 0;  ///< predicted P(top-1 differs from the fault-free run's): the campaign's sdc_critical
  double sdc_rate = -1;          ///< predicted P(some logit differs) (flip-flop upsets; -1: not predicted)
  std::vector<ClassPrediction> classes;  ///< flip-flop upsets: per class
  double model_seconds = 0;
};

/// Throws ConfigError (naming the file) for a campaign the model cannot predict.
CampaignPrediction predict_campaign(const CampaignConfig& config, int threads, bool progress);

/// Whether `path` is a YAML file whose top level is a `campaign:` (false for anything else).
bool is_campaign_config(const std::string& path);

nlohmann::json to_json(const CampaignPrediction& p);

}  // namespace flipsim
