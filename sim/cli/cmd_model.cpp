// flipsim model: predicted accuracy of a network under per-bit flips of its stored weights or activations, from
// the data-level statistical model (the improved model, and on request the plain normal one to compare with),
// overall and per accelerator layer.
#include <algorithm>
#include <thread>
#include <fmt/core.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "sim/cli/commands.h"
#include "model/soft_error/plot.h"
#include "model/soft_error/sweep.h"
#include "model/soft_error/sweep_config.h"
#ifdef FLIPSIM_WITH_VALIDATE
#include "sim/validate/campaign_prediction.h"
#include "sim/validate/validation.h"
#include "sim/validate/validation_text.h"
#endif

namespace flipsim::cli {
namespace {

struct ModelCmdOptions {
  std::string config;
  bool json = false;
  std::string plots;
  bool layers = false;
  bool normal = false;
  int images = 0;
  int first_image = -1;  ///< -1: the config's
  int threads = int(std::max(1u, std::thread::hardware_concurrency()));
};

#ifdef FLIPSIM_WITH_VALIDATE
/// A validation study's prediction alone: what `flipsim validate` would set beside its RTL measurement.
int predict_study(const ModelCmdOptions& o) {
  ValidationConfig config = load_validation_config(o.config);
  if (o.images > 0) config.images = o.images;
  if (o.first_image >= 0) config.first_image = o.first_image;
  ValidateOptions options;
  options.run_campaign = false;
  options.progress = !o.json;
  const ValidationResult r = run_validation(config, options, MpiSession());
  if (o.json) std::cout << to_json(r).dump(2) << "\n";
  else print_validation(r);
  return 0;
}

/// A campaign's outcome as the model predicts it, before (or instead of) running it.
int predict_campaign_outcome(const ModelCmdOptions& o) {
  const CampaignPrediction p = predict_campaign(load_campaign_config(o.config), o.threads, !o.json);
  if (o.json) {
    std::cout << to_json(p).dump(2) << "\n";
    return 0;
  }
  if (!p.classes.empty()) {
    fmt::print("{}: single upsets (register model), test images {}-{}\n", p.campaign, p.first_image,
               p.first_image + p.images - 1);
    fmt::print("  fault-free accuracy {:.4f}\n", p.golden_accuracy);
    for (const ClassPrediction& c : p.classes) {
      fmt::print("  {:<10} SDC {:.4f} [{:.4f}, {:.4f}]  critical SDC {:.4f} [{:.4f}, {:.4f}]  "
                 "({} upsets, {:.3f} live)\n",
                 c.site_class, c.sdc_rate, c.sdc_low, c.sdc_high, c.critical_sdc_rate, c.critical_low,
                 c.critical_high, c.samples, c.live);
      if (c.unmodelled > 0)
        fmt::print("  {:<10} {:.3f} of its upsets are not carried (registers that steer, a buffer word in the "
                   "cycle it is written, a stuck-at that ends in a later pass than it starts): measured, not "
                   "modelled; the rates above count them as masked\n",
                   "", c.unmodelled);
    }
    fmt::print("  seconds {:.3f}\n", p.model_seconds);
    return 0;
  }
  std::string buffers;
  for (Buffer b : p.buffers) buffers += std::string(buffers.empty() ? "" : ", ") + buffer_name(b);
  fmt::print("{}: sram_ber {:.3g} on {} ({} in the model), test images {}-{}\n", p.campaign, p.ber, buffers,
             p.model_target, p.first_image, p.first_image + p.images - 1);
  fmt::print("  fault-free accuracy {:.4f}\n  predicted accuracy {:.4f}, critical SDC rate {:.4f}\n",
             p.golden_accuracy, p.accuracy, p.critical_sdc_rate);
  fmt::print("  seconds {:.3f}\n", p.model_seconds);
  return 0;
}
#endif

int run_model_command(const ModelCmdOptions& o) {
#ifdef FLIPSIM_WITH_VALIDATE
  if (is_validation_config(o.config)) return predict_study(o);
  if (is_campaign_config(o.config)) return predict_campaign_outcome(o);
#endif
  model::SweepConfig config = model::load_sweep_config(o.config);
  if (o.images > 0) config.images = o.images;
  if (o.first_image >= 0) config.first_image = o.first_image;
  const model::LoadedNetwork loaded = model::load_network(config.infer, config.images, config.first_image, o.config);
  model::RunOptions run;
  run.threads = o.threads;
  run.plain_normal = o.normal;
  run.progress = !o.json;
  const model::SweepResult total = model::run_sweep(config, loaded, model::Method::kModel, run);

  // Per-layer sensitivity: the same rates with only one layer's bits in scope at a time.
  std::vector<model::SweepResult> per_layer;
  const std::vector<std::string> names = model::accel_layer_names(loaded.net);
  if (o.layers) {
    model::RunOptions improved_only = run;
    improved_only.plain_normal = false;
    for (size_t l = 0; l < names.size(); ++l) {
      const std::vector<int> one{int(l)};
      per_layer.push_back(model::run_sweep(config, loaded, model::Method::kModel, improved_only, &one));
    }
  }

  nlohmann::json j = model::to_json(total);
  if (o.layers) {
    nlohmann::json layers = nlohmann::json::array();
    for (size_t l = 0; l < per_layer.size(); ++l) {
      nlohmann::json e = model::to_json(per_layer[l]);
      layers.push_back({{"name", names[l]}, {"bits", e["bits"]}, {"seconds", e["seconds"]}, {"points", e["points"]}});
    }
    j["per_layer"] = layers;
  }

  if (!o.plots.empty()) {
    std::filesystem::create_directories(o.plots);
    const std::string stem = std::filesystem::path(o.config).stem().string();
    const std::string file = (std::filesystem::path(o.plots) / (stem + ".model.json")).string();
    std::ofstream(file) << j.dump(1) << "\n";
    std::vector<std::string> files;
    for (const char* m : {"software", "model", "accelerated"}) {
      const auto f = std::filesystem::path(o.plots) / (stem + "." + m + ".json");
      if (std::filesystem::exists(f)) files.push_back(f.string());
    }
    model::plot_sweeps((std::filesystem::path(o.plots) / (stem + ".png")).string(), files);
    if (o.layers) model::plot_layers((std::filesystem::path(o.plots) / (stem + ".layers.png")).string(), file);
  }

  if (o.json) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  fmt::print("{}: {} bits of {} in {}, int{}, {} images from test image {}\n", o.config, total.bits,
             model::fault_target_name(total.target), total.network, total.data_bits, total.images, total.first_image);
  fmt::print("  golden accuracy {:.4f}\n", total.golden_accuracy);
  fmt::print("  {:>9}  {:>10}  {:>9}  {:>9}  {:>9}\n", "ber", "flips", "normal", "improved", "unchanged");
  for (const auto& p : total.points)
    fmt::print("  {:>9.2e}  {:>10.3g}  {:>9}  {:>9.4f}  {:>9.4f}\n", p.ber, p.expected_flips,
               p.accuracy_normal >= 0 ? fmt::format("{:.4f}", p.accuracy_normal) : std::string("-"),
               p.accuracy.value, p.unchanged.value);
  if (o.layers) {
    fmt::print("  per layer (improved model, only that layer's bits flipping):\n  {:>9}", "ber");
    for (const auto& n : names) fmt::print("  {:>12}", n.size() > 12 ? n.substr(n.size() - 12) : n);
    fmt::print("\n");
    for (size_t b = 0; b < total.points.size(); ++b) {
      fmt::print("  {:>9.2e}", total.points[b].ber);
      for (const auto& r : per_layer) fmt::print("  {:>12.4f}", r.points[b].accuracy.value);
      fmt::print("\n");
    }
  }
  fmt::print("  seconds {:.3f}\n", total.seconds);
  return 0;
}

}  // namespace

void register_model(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ModelCmdOptions>();
  CLI::App* sub = app.add_subcommand("model", "predicted accuracy per error rate from the statistical model");
  sub->add_option("config", o->config, "sweep YAML (configs/sweeps/*.yaml): network, target, rates, images; or a validation study "
                  "(configs/validate/*.yaml): its prediction alone; or an sram_ber campaign (configs/campaigns/*.yaml): its "
                  "predicted accuracy and critical-SDC rate")
      ->required();
  sub->add_flag("--json", o->json, "print one JSON object (points: [{ber, accuracy, ci_low, ci_high, ...}])");
  sub->add_option("--plots", o->plots, "directory: write <config>.model.json and PNG plots");
  sub->add_flag("--layers", o->layers, "also predict per accelerator layer (only that layer's bits flipping)");
  sub->add_flag("--normal", o->normal,
                "also the plain normal model (the seed paper's per-neuron normals, for comparison; slower)");
  sub->add_option("--images", o->images, "test images (default: the config's)")->check(CLI::Range(1, 10000));
  sub->add_option("--first-image", o->first_image,
                  "first test image (default: the config's first_image, else 0); images are taken from there")
      ->check(CLI::Range(0, 1000000));
  sub->add_option("--threads", o->threads, "worker threads")->check(CLI::Range(1, 256))->capture_default_str();
  sub->callback([o, &exit_code] { exit_code = run_model_command(*o); });
}

}  // namespace flipsim::cli
