#include "sim/validate/campaign_prediction.h"

#include <algorithm>
#include <chrono>

#include "model/common/config_error.h"
#include "model/common/yaml_fields.h"
#include "model/soft_error/sweep.h"
#include "model/soft_error/sweep_config.h"
#include "model/accel/golden.h"
#include "model/soft_error/register_model.h"
#include "sim/campaign/fault_plan.h"

namespace flipsim {
namespace {

bool has(const std::vector<Buffer>& buffers, Buffer b) {
  return std::find(buffers.begin(), buffers.end(), b) != buffers.end();
}

}  // namespace

namespace {

// Upsets simulated per image and class: with 1,000 images, intervals of about +-0.3 points at a few percent.
constexpr int kRegisterSamplesPerImage = 40;

/// Single-bit upsets of the PE registers: the register model per class, each class's rate averaged as the
/// campaign draws (a class first when per_class, else sites uniformly: by the classes' bit counts).
CampaignPrediction predict_register_campaign(const CampaignConfig& config, int threads) {
  const auto start = std::chrono::steady_clock::now();
  CampaignPrediction p;
  p.campaign = config.file;
  p.images = int(config.images.size());
  p.first_image = config.images.front();
  p.model_target = "pe registers";
  const model::LoadedNetwork loaded = model::load_network(config.network, p.images, p.first_image, config.file);
  const AccelConfig& accel = config.network.accel;
  const std::vector<SiteClass> classes =
      config.targets.classes.empty() ? std::vector<SiteClass>{SiteClass::kPeWeight, SiteClass::kPeAct,
                                                              SiteClass::kPePsum}
                                     : config.targets.classes;
  const model::ArraySchedule schedule(loaded.net, accel);
  double weight_sum = 0, sdc = 0, critical = 0;
  for (SiteClass c : classes) {
    const model::ArrayRegister reg = c == SiteClass::kPeWeight ? model::ArrayRegister::kWeight
                                     : c == SiteClass::kPeAct  ? model::ArrayRegister::kAct
                                                               : model::ArrayRegister::kPsum;
    const model::RegisterClassPrediction r = model::predict_register_class(
        loaded.net, accel, loaded.test, reg, kRegisterSamplesPerImage, config.seed, threads);
    ClassPrediction cp;
    cp.site_class = site_class_name(c);
    cp.sdc_rate = r.sdc.value;
    cp.sdc_low = r.sdc.low;
    cp.sdc_high = r.sdc.high;
    cp.critical_sdc_rate = r.critical.value;
    cp.critical_low = r.critical.low;
    cp.critical_high = r.critical.high;
    cp.samples = r.samples;
    cp.live = r.live;
    p.classes.push_back(cp);
    const double weight = config.targets.per_class ? 1.0 : double(schedule.width(reg));
    weight_sum += weight;
    sdc += weight * cp.sdc_rate;
    critical += weight * cp.critical_sdc_rate;
  }
  p.sdc_rate = sdc / weight_sum;
  p.critical_sdc_rate = critical / weight_sum;
  int correct = 0;
  GoldenEngine golden(accel);
  for (size_t i = 0; i < loaded.test.size(); ++i)
    correct += loaded.net.classify(loaded.test.image(i), golden) == loaded.test.labels[i];
  p.golden_accuracy = double(correct) / double(loaded.test.size());
  p.accuracy = -1;
  p.model_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return p;
}

}  // namespace

CampaignPrediction predict_campaign(const CampaignConfig& config, int threads, bool progress) {
  const auto refuse = [&](const std::string& why) {
    throw ConfigError(config.file + ": not modelled: " + why + "; run the campaign to measure it");
  };
  const std::vector<int>& images = config.images;
  for (size_t i = 1; i < images.size(); ++i)
    if (images[i] != images[0] + int(i)) refuse("a list of images that is not a range (give a count and first_image)");
  if (config.fault == FaultModel::kFlip) {
    for (SiteClass c : config.targets.classes)
      if (c != SiteClass::kPeWeight && c != SiteClass::kPeAct && c != SiteClass::kPePsum)
        refuse(std::string("single-bit upsets of class ") + site_class_name(c) +
               " (the register model covers pe_weight, pe_act and pe_psum)");
    if (config.targets.classes.empty()) refuse("single-bit upsets of every class (name pe_weight, pe_act, pe_psum)");
    return predict_register_campaign(config, threads);
  }
  if (config.fault != FaultModel::kSramBer)
    refuse(std::string("fault model ") + fault_model_name(config.fault) +
           " (the model predicts SRAM bit-error rates, fault.model: sram_ber, and single upsets of PE registers)");

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
  nlohmann::json classes = nlohmann::json::array();
  for (const ClassPrediction& c : p.classes)
    classes.push_back({{"class", c.site_class},
                       {"sdc_rate", c.sdc_rate},
                       {"sdc_ci", {c.sdc_low, c.sdc_high}},
                       {"critical_sdc_rate", c.critical_sdc_rate},
                       {"critical_sdc_ci", {c.critical_low, c.critical_high}},
                       {"samples", c.samples},
                       {"live", c.live}});
  return {{"campaign", p.campaign},
          {"buffers", buffers},
          {"model_target", p.model_target},
          {"ber", p.ber},
          {"images", p.images},
          {"first_image", p.first_image},
          {"golden_accuracy", p.golden_accuracy},
          {"accuracy", p.accuracy},
          {"critical_sdc_rate", p.critical_sdc_rate},
          {"sdc_rate", p.sdc_rate >= 0 ? nlohmann::json(p.sdc_rate) : nlohmann::json()},
          {"classes", classes},
          {"model_seconds", p.model_seconds}};
}

}  // namespace flipsim
