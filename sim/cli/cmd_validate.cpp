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
#include "sim/validate/validation_text.h"

namespace flipsim::cli {
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
              "model_seconds, campaign_seconds (this run's), campaign_injections, campaign_injections_run, ...");
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
    else print_validation(r);
    // A cross-check difference means the measurement cannot be trusted; a model error is a finding, not a failure.
    exit_code = r.crosscheck_mismatches ? 1 : 0;
  });
}

}  // namespace flipsim::cli
