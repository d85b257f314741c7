// flipsim explore: every protection option of a study with its cost, its measured critical-SDC rate and
// accuracy (campaigns with 95 % intervals) and the prediction from the unprotected baseline; resumable.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "model/soft_error/plot.h"
#include "sim/cli/commands.h"
#include "sim/explore/exploration.h"

namespace flipsim::cli {
void register_explore(CLI::App& app, int& exit_code) {
  struct Options {
    std::string config;
    std::string out = "results/explore";
    std::string plots;
    int workers = 0;
    std::string engine = "hybrid";
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* c = app.add_subcommand(
      "explore", "protection options of a protectable accelerator: cost (bits, Yosys cells) against measured "
                 "critical SDCs, with the Pareto front");
  c->add_option("CONFIG", o->config, "exploration YAML (configs/explore/*.yaml)")->required();
  c->add_option("--out", o->out, "directory for each option's campaign (<out>/<name>/<option>.yaml and .db); "
                                 "re-run to resume")
      ->capture_default_str();
  c->add_option("--plots", o->plots, "directory: write <name>.json and <name>.png (cost against critical SDCs)");
  c->add_option("--workers", o->workers, "campaign worker processes (default: one per core)")
      ->check(CLI::Range(1, 256));
  c->add_option("--engine", o->engine,
                "hybrid: the RTL runs only while a fault is live (default; bit-error rates run on the architectural "
                "model, which decodes the buffers' codes as the RTL); full: every cycle of every inference on the RTL")
      ->check(CLI::IsMember({"hybrid", "full"}))
      ->capture_default_str();
  c->add_flag("--json", o->json,
              "print one JSON object: options [{name, overhead_bits, overhead_cells, sdc_critical_rate, ci_low, "
              "ci_high, predicted, accuracy, pareto, ...}]");
  c->callback([o, &exit_code] {
    const MpiSession mpi;
    ExploreRunOptions options;
    options.out_dir = o->out;
    options.workers = o->workers;
    options.engine = o->engine == "full" ? CampaignEngine::kFull : CampaignEngine::kHybrid;
    options.progress = !o->json;
    const ExplorationResult r = run_exploration(load_exploration_config(o->config), options, mpi);
    const nlohmann::json j = to_json(r);
    if (!o->plots.empty()) {
      std::filesystem::create_directories(o->plots);
      const std::filesystem::path json_file = std::filesystem::path(o->plots) / (r.config.name + ".json");
      std::ofstream(json_file) << j.dump(1) << "\n";
      model::plot_explore((std::filesystem::path(o->plots) / (r.config.name + ".png")).string(), json_file.string());
    }
    if (o->json) std::cout << j.dump(2) << "\n";
    else print_exploration(r);
    exit_code = 0;
  });
}

}  // namespace flipsim::cli
