// What the model predicts a campaign will measure, without running it: for an SRAM bit-error-rate campaign on the
// weight, activation and bias buffers, the data-level model at the campaign's rate on its images; the accumulator
// and output buffers rewrite every word before reading it. For single upsets (flip, multi_bit, sram_flip), the
// RTL-level register model (model/soft_error/register_model.h) per class, on the campaign's own sites: data
// registers and buffer words are carried exactly to the accumulators and outputs; registers that steer (the
// controller's counters and state, valid bits, the PPU's address, the host port's registers the controller reads)
// are measured, not modelled: their share of a class is reported, and a class of nothing else is refused. Stuck-at is not modelled yet, and saying so
// is an error rather than a guess.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model/soft_error/register_model.h"
#include "model/soft_error/sw_fault_sim.h"
#include "model/soft_error/sweep_config.h"
#include "sim/campaign/campaign_config.h"
#include "testbench/fault.h"

namespace flipsim {

/// One flip-flop class's predicted rates (Monte Carlo over upsets, with their 95 % intervals).
struct ClassPrediction {
  std::string site_class;
  double sdc_rate = 0, sdc_low = 0, sdc_high = 0;
  double critical_sdc_rate = 0, critical_low = 0, critical_high = 0;
  uint64_t samples = 0;
  double live = 0;  ///< share of the upsets that changed some accumulator
  /// Share of the upsets at sites the model does not carry (counted as no SDC: the rates are lower bounds, at most
  /// this much too low).
  double unmodelled = 0;
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
  double sdc_rate = -1;          ///< predicted P(some logit differs) (single upsets; -1: not predicted)
  double unmodelled = 0;         ///< single upsets: share at sites the model does not carry
  std::vector<ClassPrediction> classes;  ///< single upsets: per class
  double model_seconds = 0;
};

/// What the register model says one single upset does to the image loaded into `sim` (nullopt: it does not carry
/// the upset). `inputs`: accel_layer_inputs(sim).
struct UpsetOutcome {
  bool live = false;      ///< some accumulator or output changed
  bool sdc = false;       ///< some logit changed
  bool critical = false;  ///< the top-1 class changed
};
std::optional<UpsetOutcome> predict_upset(const Injection& injection, model::SwFaultSim& sim,
                                          const std::vector<const FeatureMap*>& inputs, const SiteMap& map,
                                          const model::ArraySchedule& schedule);
/// The golden input of every accelerator layer of the image loaded into `sim` (accel_ops() order).
std::vector<const FeatureMap*> accel_layer_inputs(const model::SwFaultSim& sim);

/// Per campaign of `campaigns` (each of single upsets of one class, on the images of `loaded`), the register model's
/// rates: upsets drawn as that campaign draws them (its sites, bits and busy cycles) from a stream of their own, 40
/// per image, each the model carries simulated exactly, the rest counted in `unmodelled`. One pass over the images
/// serves them all.
std::vector<ClassPrediction> predict_classes(const std::vector<CampaignConfig>& campaigns,
                                             const model::LoadedNetwork& loaded, const SiteMap& map, int threads);

/// Throws ConfigError (naming the file) for a campaign the model cannot predict.
CampaignPrediction predict_campaign(const CampaignConfig& config, int threads, bool progress);

/// Whether `path` is a YAML file whose top level is a `campaign:` (false for anything else).
bool is_campaign_config(const std::string& path);

nlohmann::json to_json(const CampaignPrediction& p);

}  // namespace flipsim
