// flipsim sweep: accuracy against per-bit error rate by software-level fault simulation, the data-level model and
// accelerated (model-sampled) fault simulation.
#include <algorithm>
#include <thread>
#include <fmt/core.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <fstream>

#include "model/common/config_error.h"
#include "sim/cli/commands.h"
#include "model/soft_error/plot.h"
#include "model/soft_error/sweep.h"
#include "model/soft_error/sweep_config.h"

namespace flipsim::cli {
namespace {

struct SweepOptions {
  std::string config;
  std::vector<std::string> methods;
  bool json = false;
  std::string plots;
  int images = 0;
  int first_image = -1;  ///< -1: the config's      ///< 0: the config's
  int injections = 0;  ///< 0: the config's
  int threads = int(std::max(1u, std::thread::hardware_concurrency()));
};

model::Method parse_method(const std::string& m) {
  if (m == "software") return model::Method::kSoftware;
  if (m == "model") return model::Method::kModel;
  return model::Method::kAccelerated;
}

void print_result(const model::SweepResult& r) {
  fmt::print("{} ({}): {} bits of {}, int{}, {} images from test image {}{}\n", model::method_name(r.method),
             r.config, r.bits, model::fault_target_name(r.target), r.data_bits, r.images, r.first_image,
             r.injections ? fmt::format(" x {} injections per rate", r.injections) : std::string());
  fmt::print("  golden accuracy {:.4f}\n", r.golden_accuracy);
  if (r.method == model::Method::kModel) {
    fmt::print("  {:>9}  {:>10}  {:>9}  {:>9}  {:>9}\n", "ber", "flips", "normal", "improved", "unchanged");
    for (const auto& p : r.points)
      fmt::print("  {:>9.2e}  {:>10.3g}  {:>9}  {:>9.4f}  {:>9.4f}\n", p.ber, p.expected_flips,
                 p.accuracy_normal >= 0 ? fmt::format("{:.4f}", p.accuracy_normal) : std::string("-"),
                 p.accuracy.value, p.unchanged.value);
  } else {
    fmt::print("  {:>9}  {:>10}  {:>9}  {:>19}  {:>9}  {:>9}\n", "ber", "flips", "accuracy", "95% interval",
               "unchanged", r.method == model::Method::kSoftware ? "sdc" : "");
    for (const auto& p : r.points)
      fmt::print("  {:>9.2e}  {:>10.3g}  {:>9.4f}  [{:.4f}, {:.4f}]  {:>9.4f}  {:>9}\n", p.ber, p.expected_flips,
                 p.accuracy.value, p.accuracy.low, p.accuracy.high, p.unchanged.value,
                 r.method == model::Method::kSoftware ? fmt::format("{:.4f}", p.sdc.value) : std::string());
  }
  fmt::print("  seconds {:.3f}\n", r.seconds);
}

int run_sweep_command(const SweepOptions& o) {
  model::SweepConfig config = model::load_sweep_config(o.config);
  if (o.images > 0) config.images = o.images;
  if (o.first_image >= 0) config.first_image = o.first_image;
  if (o.injections > 0) config.injections = o.injections;
  const model::LoadedNetwork loaded = model::load_network(config.infer, config.images, config.first_image, o.config);
  model::RunOptions run;
  run.threads = o.threads;
  run.progress = !o.json;

  std::vector<model::SweepResult> results;
  for (const std::string& m : o.methods) results.push_back(model::run_sweep(config, loaded, parse_method(m), run));

  if (!o.plots.empty()) {
    std::filesystem::create_directories(o.plots);
    const std::string stem = std::filesystem::path(o.config).stem().string();
    // One file per method, so that sweeps run separately land on the same plot.
    for (const auto& r : results)
      std::ofstream((std::filesystem::path(o.plots) / (stem + "." + model::method_name(r.method) + ".json")).string())
          << model::to_json(r).dump(1) << "\n";
    std::vector<std::string> files;
    for (const char* m : {"software", "model", "accelerated"}) {
      const auto f = std::filesystem::path(o.plots) / (stem + "." + m + ".json");
      if (std::filesystem::exists(f)) files.push_back(f.string());
    }
    model::plot_sweeps((std::filesystem::path(o.plots) / (stem + ".png")).string(), files);
  }

  if (o.json) {
    if (results.size() == 1) {
      std::cout << model::to_json(results[0]).dump(2) << "\n";
    } else {
      nlohmann::json all = nlohmann::json::array();
      for (const auto& r : results) all.push_back(model::to_json(r));
      std::cout << nlohmann::json{{"config", o.config}, {"results", all}}.dump(2) << "\n";
    }
  } else {
    for (const auto& r : results) print_result(r);
  }
  return 0;
}

}  // namespace

void register_sweep(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<SweepOptions>();
  CLI::App* sub = app.add_subcommand(
      "sweep", "accuracy against per-bit error rate: software fault simulation, model, accelerated simulation");
  sub->add_option("config", o->config, "sweep YAML (configs/sweeps/*.yaml)")->required();
  sub->add_option("--method", o->methods,
                  "software, model or accelerated; several separated by commas run one after the other")
      ->delimiter(',')
      ->check(CLI::IsMember({"software", "model", "accelerated"}))
      ->required();
  sub->add_flag("--json", o->json,
                "print JSON: one method gives {points: [{ber, accuracy, ci_low, ci_high, ...}], seconds, ...}; "
                "several give {config, results: [...]}");
  sub->add_option("--plots", o->plots,
                  "directory: write <config>.<method>.json and <config>.png with every method found there");
  sub->add_option("--images", o->images, "test images (default: the config's)")->check(CLI::Range(1, 10000));
  sub->add_option("--first-image", o->first_image,
                  "first test image (default: the config's first_image, else 0); images are taken from there")
      ->check(CLI::Range(0, 1000000));
  sub->add_option("--injections", o->injections, "injections per image and rate (default: the config's)")
      ->check(CLI::Range(1, 1000000));
  sub->add_option("--threads", o->threads, "worker threads (results do not depend on it)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  sub->callback([o, &exit_code] { exit_code = run_sweep_command(*o); });
}

}  // namespace flipsim::cli
