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
#include "sim/campaign/register_engine.h"
#include "testbench/site_map.h"
#include "model/soft_error/fault_space.h"
#include "model/soft_error/sw_fault_sim.h"
#include "model/common/stats.h"

namespace flipsim {
namespace {

bool has(const std::vector<Buffer>& buffers, Buffer b) {
  return std::find(buffers.begin(), buffers.end(), b) != buffers.end();
}

}  // namespace

namespace {

// Upsets simulated per image and class: with 1,000 images, intervals of about +-0.3 points at a few percent.
constexpr int kUpsetSamplesPerImage = 40;

struct UpsetTally {
  uint64_t sdc = 0, critical = 0, live = 0, unmodelled = 0;
};

}  // namespace

std::vector<const FeatureMap*> accel_layer_inputs(const model::SwFaultSim& sim) {
  const nn::QNetwork& net = sim.network();
  std::vector<const FeatureMap*> inputs;
  for (size_t op : net.accel_ops()) inputs.push_back(&sim.golden()[size_t(net.ops[op].inputs[0])]);
  return inputs;
}

std::optional<UpsetOutcome> predict_upset(const Injection& inj, model::SwFaultSim& sim,
                                          const std::vector<const FeatureMap*>& inputs, const SiteMap& map,
                                          const model::ArraySchedule& schedule) {
  const std::optional<CarriedUpset> carried = CarriedUpset::of(inj, map, schedule);
  if (!carried) return std::nullopt;
  UpsetOutcome o;
  if (carried->every_pass()) {
    // A permanent stuck-at changes what later passes read: the network runs pass by pass as the register route
    // runs it, each pass's changes on its actual input.
    const nn::QNetwork& net = sim.network();
    RegisterEngine reg(
        map.config(), schedule,
        [&](int pass, const FeatureMap& input) {
          std::vector<model::LaneChange> changes = carried->lane_changes(pass, input);
          o.live = o.live || !changes.empty();
          return changes;
        },
        known_golden_layers(net, sim.golden()), nullptr);
    const std::vector<int32_t> logits = net.run(sim.golden()[size_t(net.input_value)], reg)[size_t(net.output_value)].data;
    o.sdc = logits != sim.golden_logits();
    o.critical = model::top1_of(logits) != model::top1_of(sim.golden_logits());
    return o;
  }
  const std::vector<model::AccumulatorChange> changes = carried->accumulator_changes(inputs);
  if (changes.empty()) return o;
  o.live = true;
  const model::Injection r = sim.inject({}, changes);
  o.sdc = r.logits_changed;
  o.critical = r.top1 != r.golden_top1;
  return o;
}

std::vector<ClassPrediction> predict_classes(const std::vector<CampaignConfig>& campaigns,
                                             const model::LoadedNetwork& loaded, const SiteMap& map, int threads) {
  if (campaigns.empty()) return {};
  const AccelConfig& accel = campaigns.front().network.accel;
  const model::ArraySchedule schedule(loaded.net, accel);
  Timeline timeline;
  timeline.pass_cycles = schedule.pass_cycles();
  // Each campaign's draws, from a stream of their own (not the campaign's own injections).
  std::vector<CampaignConfig> draws;
  for (const CampaignConfig& c : campaigns) {
    draws.push_back(c);
    draws.back().targets.per_class = false;
    draws.back().seed = model::stream_seed(c.seed, uint64_t(c.targets.classes.at(0)) + 1);
  }
  std::vector<TargetSpace> spaces;
  for (const CampaignConfig& d : draws) spaces.emplace_back(map, d);
  const int samples = kUpsetSamplesPerImage;
  std::vector<std::vector<UpsetTally>> per_image(loaded.test.size(), std::vector<UpsetTally>(campaigns.size()));
  model::for_each_loaded_image(loaded.net, accel, loaded.test, threads, [&](model::SwFaultSim& sim, int i) {
    const std::vector<const FeatureMap*> inputs = accel_layer_inputs(sim);
    for (size_t k = 0; k < draws.size(); ++k) {
      UpsetTally& t = per_image[size_t(i)][k];
      for (int s = 0; s < samples; ++s) {
        const Injection inj =
            draw_injection(uint64_t(i) * uint64_t(samples) + uint64_t(s), draws[k], spaces[k], map, timeline);
        const std::optional<UpsetOutcome> o = predict_upset(inj, sim, inputs, map, schedule);
        if (!o) {
          ++t.unmodelled;
          continue;
        }
        t.live += o->live;
        t.sdc += o->sdc;
        t.critical += o->critical;
      }
    }
  });
  std::vector<ClassPrediction> out;
  for (size_t k = 0; k < campaigns.size(); ++k) {
    UpsetTally t;
    for (const std::vector<UpsetTally>& image : per_image) {
      t.sdc += image[k].sdc;
      t.critical += image[k].critical;
      t.live += image[k].live;
      t.unmodelled += image[k].unmodelled;
    }
    ClassPrediction cp;
    cp.site_class = site_class_name(campaigns[k].targets.classes.at(0));
    cp.samples = uint64_t(loaded.test.size()) * uint64_t(samples);
    const Proportion sdc_p = wilson(t.sdc, cp.samples), critical_p = wilson(t.critical, cp.samples);
    cp.sdc_rate = sdc_p.value;
    cp.sdc_low = sdc_p.low;
    cp.sdc_high = sdc_p.high;
    cp.critical_sdc_rate = critical_p.value;
    cp.critical_low = critical_p.low;
    cp.critical_high = critical_p.high;
    cp.live = double(t.live) / double(cp.samples);
    cp.unmodelled = double(t.unmodelled) / double(cp.samples);
    out.push_back(cp);
  }
  return out;
}

namespace {

/// Single upsets (one bit or a few adjacent ones, flipped or stuck) of any flip-flop or SRAM class: per class, the
/// upsets the register model carries (data registers, buffer words; a stuck-at that ends in the pass it starts in
/// or never) are simulated exactly; those it does not (registers that steer the controller, valid bits, the host
/// port, a stuck-at that ends in a later pass than it starts) are counted as unmodelled, and a class with none it
/// carries is refused.
/// Classes are averaged as the campaign draws them (a class first when per_class, else by their site counts).
CampaignPrediction predict_upset_campaign(const CampaignConfig& config, int threads) {
  const auto start = std::chrono::steady_clock::now();
  CampaignPrediction p;
  p.campaign = config.file;
  p.images = int(config.images.size());
  p.first_image = config.images.front();
  p.model_target = "single upsets";
  const model::LoadedNetwork loaded = model::load_network(config.network, p.images, p.first_image, config.file);
  const AccelConfig& accel = config.network.accel;
  const SiteMap map(accel);
  const TargetSpace space(map, config);
  std::vector<CampaignConfig> one_class;
  for (SiteClass cls : space.classes()) {
    one_class.push_back(config);
    one_class.back().targets.classes = {cls};
  }
  p.classes = predict_classes(one_class, loaded, map, threads);
  double weight_sum = 0, sdc = 0, critical = 0, unmodelled = 0;
  for (size_t c = 0; c < p.classes.size(); ++c) {
    const ClassPrediction& cp = p.classes[c];
    if (cp.unmodelled >= 1)
      throw ConfigError(config.file + ": not modelled: " + fault_model_name(config.fault) + " upsets of class " +
                        cp.site_class +
                        " (none the register model carries: its registers steer the controller, or a stuck-at "
                        "ends in a later pass than it starts; measured, not modelled); run the campaign to measure "
                        "it");
    const double weight = config.targets.per_class ? 1.0 : double(space.class_size(c));
    weight_sum += weight;
    sdc += weight * cp.sdc_rate;
    critical += weight * cp.critical_sdc_rate;
    unmodelled += weight * cp.unmodelled;
  }
  p.sdc_rate = sdc / weight_sum;
  p.critical_sdc_rate = critical / weight_sum;
  p.unmodelled = unmodelled / weight_sum;
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
  if (config.fault != FaultModel::kSramBer) return predict_upset_campaign(config, threads);

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
                       {"live", c.live},
                       {"unmodelled", c.unmodelled}});
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
          {"unmodelled", p.unmodelled},
          {"classes", classes},
          {"model_seconds", p.model_seconds}};
}

}  // namespace flipsim
