#include "sim/validate/campaign_prediction.h"

#include <algorithm>

#include "model/common/config_error.h"
#include "model/common/yaml_fields.h"
#include "model/soft_error/sweep.h"
#include "model/soft_error/sweep_config.h"
#include "sim/campaign/fault_plan.h"

namespace flipsim {
namespace {

bool has(const std::vector<Buffer>& buffers, Buffer b) {
  return std::find(buffers.begin(), buffers.end(), b) != buffers.end();
}

}  // namespace

CampaignPrediction predict_campaign(const CampaignConfig& config, int threads, bool progress) {
  const auto refuse = [&](const std::string& why) {
    throw ConfigError(config.file + ": not modelled: " + why + "; run the campaign to measure it");
  };
  if (config.fault != FaultModel::kSramBer)
    refuse(std::string("fault model ") + fault_model_name(config.fault) +
           " (the model predicts SRAM bit-error rates, fault.model: sram_ber)");
  const std::vector<int>& images = config.images;
  for (size_t i = 1; i < images.size(); ++i)
    if (images[i] != images[0] + int(i)) refuse("a list of images that is not a range (give a count and first_image)");

  CampaignPrediction p;
  p.campaign = config.file;
  p.buffers = TargetSpace(SiteMap(config.network.accel), config).buffers();
  p.ber = config.ber;
  p.images = int(images.size());
  p.first_image = images.front();
  const bool weights = has(p.buffers, Buffer::kWbuf), activations = has(p.buffers, Buffer::kAbuf),
             biases = has(p.buffers, Buffer::kBbuf);
  if (biases && (weights != activations))
    refuse("the bias buffer together with only one of wbuf and abuf (the model takes biases alone or with both)");

  const model::LoadedNetwork loaded = model::load_network(config.network, p.images, p.first_image, config.file);
  model::SweepConfig sweep;
  sweep.file = config.file;
  sweep.infer = config.network;
  sweep.bers = {config.ber};
  sweep.images = p.images;
  sweep.first_image = p.first_image;
  sweep.seed = config.seed;
  sweep.model.seed = config.seed;
  model::RunOptions run;
  run.threads = threads;
  run.progress = progress;
  run.plain_normal = false;
  if (!weights && !activations && !biases) {
    // accbuf / obuf only: every flipped word is rewritten before it is read.
    sweep.bers = {0.0};
  }
  sweep.target = biases && weights           ? model::FaultTarget::kAll
                 : biases                    ? model::FaultTarget::kBiases
                 : weights && activations    ? model::FaultTarget::kBoth
                 : weights                   ? model::FaultTarget::kWeights
                                             : model::FaultTarget::kActivations;
  p.model_target = sweep.bers[0] > 0 ? model::fault_target_name(sweep.target) : "none";
  const model::SweepResult r = model::run_sweep(sweep, loaded, model::Method::kModel, run);
  p.golden_accuracy = r.golden_accuracy;
  p.accuracy = r.points[0].accuracy.value;
  p.critical_sdc_rate = 1 - r.points[0].unchanged.value;
  p.model_seconds = r.seconds;
  return p;
}

bool is_campaign_config(const std::string& path) { return yaml_top_level_has(path, "campaign"); }

nlohmann::json to_json(const CampaignPrediction& p) {
  nlohmann::json buffers = nlohmann::json::array();
  for (Buffer b : p.buffers) buffers.push_back(buffer_name(b));
  return {{"campaign", p.campaign},
          {"buffers", buffers},
          {"model_target", p.model_target},
          {"ber", p.ber},
          {"images", p.images},
          {"first_image", p.first_image},
          {"golden_accuracy", p.golden_accuracy},
          {"accuracy", p.accuracy},
          {"critical_sdc_rate", p.critical_sdc_rate},
          {"model_seconds", p.model_seconds}};
}

}  // namespace flipsim
