// flipsim validate: the statistical model's prediction beside the RTL's measurement, point by point, with the
// measurement's 95 % interval and the error; resumable (every point's measurement is a campaign in SQLite).
#include <fmt/core.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "model/soft_error/plot.h"
#include "sim/cli/commands.h"
#include "sim/validate/validation.h"

namespace flipsim::cli {
namespace {

void print_result(const ValidationResult& r) {
  const ValidationConfig& c = r.config;
  fmt::print("validation '{}' ({}): sram_ber on {} of {} on {}, test images {}-{}\n", c.name, c.file,
             buffer_name(c.buffer), c.network.model, c.network.accel.variant(), c.first_image,
             c.first_image + c.images - 1);
  fmt::print("  fault-free accuracy {:.4f}; prediction: {}\n", r.golden_accuracy, prediction_name(r.prediction));
  fmt::print("  {:>9}  {:>9}  {:>7}  {:>9}  {:>19}  {:>9}  {:>8}  {}\n", "ber", "flips", "n", "measured",
             "95% interval", "predicted", "error", "cross-check");
  for (const ValidationPoint& p : r.points)
    fmt::print("  {:>9.2e}  {:>9.3g}  {:>7}  {:>9.4f}  [{:.4f}, {:.4f}]  {:>9}  {:>8}  {}\n", p.x, p.expected_flips,
               p.trials, p.measured.value, p.measured.low, p.measured.high,
               p.predicted >= 0 ? fmt::format("{:.4f}", p.predicted) : std::string("-"),
               p.predicted >= 0 && p.trials ? fmt::format("{:+.4f}", p.predicted - p.measured.value) : std::string("-"),
               p.crosscheck_injections
                   ? fmt::format("{} of {} differ", p.crosscheck_mismatches.size(), p.crosscheck_injections)
                   : std::string("-"));
  for (const ValidationPoint& p : r.points)
    for (const std::string& m : p.crosscheck_mismatches) fmt::print("  MISMATCH {}\n", m);
  if (r.predicted_points > 0)
    fmt::print("  max |error| {:.4f}; prediction inside the measured interval at {} of {} points\n", r.max_abs_error,
               r.inside_interval, r.predicted_points);
  fmt::print("  {:<10} {:>6} {:>10} {:>12} {:>8}\n", "layer", "passes", "values", "loaded bits", "loads/value");
  for (const LayerResidency& l : r.residency)
    fmt::print("  {:<10} {:>6} {:>10} {:>12} {:>8.3f}\n", l.layer, l.passes, l.values, l.loaded_bits,
               l.loads_per_value);
  fmt::print("  model {:.2f} s, campaigns {:.1f} s (this run)\n", r.model_seconds, r.campaign_seconds);
}

}  // namespace

void register_validate(CLI::App& app, int& exit_code) {
  struct Options {
    std::string config;
    std::string out = "results/validate";
    std::string plots;
    int workers = 0;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* c = app.add_subcommand(
      "validate", "the statistical model's prediction against an RTL measurement (hybrid engine), point by point");
  c->add_option("CONFIG", o->config, "validation YAML (configs/validate/*.yaml)")->required();
  c->add_option("--out", o->out,
                "directory for each point's campaign (<out>/<name>/point_<i>.yaml and .db); re-run to resume")
      ->capture_default_str();
  c->add_option("--plots", o->plots, "directory: write <name>.json and <name>.png (measured against predicted)");
  c->add_option("--workers", o->workers, "campaign worker processes (default: one per core)")
      ->check(CLI::Range(1, 256));
  c->add_flag("--json", o->json,
              "print one JSON object: points [{x, measured, ci_low, ci_high, predicted, ...}], max_abs_error, "
              "model_seconds, campaign_seconds, ...");
  c->callback([o, &exit_code] {
    const MpiSession mpi;
    ValidateOptions options;
    options.out_dir = o->out;
    options.workers = o->workers;
    options.progress = !o->json;
    const ValidationResult r = run_validation(load_validation_config(o->config), options, mpi);
    const nlohmann::json j = to_json(r);
    if (!o->plots.empty()) {
      std::filesystem::create_directories(o->plots);
      const std::filesystem::path json_file = std::filesystem::path(o->plots) / (r.config.name + ".json");
      std::ofstream(json_file) << j.dump(1) << "\n";
      model::plot_validation((std::filesystem::path(o->plots) / (r.config.name + ".png")).string(),
                             json_file.string());
    }
    if (o->json) std::cout << j.dump(2) << "\n";
    else print_result(r);
    // A cross-check difference means the measurement cannot be trusted; a model error is a finding, not a failure.
    exit_code = r.crosscheck_mismatches ? 1 : 0;
  });
}

}  // namespace flipsim::cli
