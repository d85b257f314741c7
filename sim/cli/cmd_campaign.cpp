// flipsim campaign: an RTL fault campaign, resumable, results in SQLite.
#include <fmt/core.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "sim/campaign/campaign_runner.h"
#include "sim/cli/commands.h"

namespace flipsim::cli {

namespace {

void print_summary(const nlohmann::json& s) {
  fmt::print("campaign '{}' on {}: {} of {} injections in {}\n", s["campaign"].get<std::string>(),
             s["accelerator"].get<std::string>(), s["injections"].get<uint64_t>(), s["planned"].get<uint64_t>(),
             s["db"].get<std::string>());
  if (s.contains("seconds"))
    fmt::print("  this run: {} injections in {:.1f} s ({:.2f}/s, {} workers)\n", s["run_injections"].get<uint64_t>(),
               s["seconds"].get<double>(), s["injections_per_second"].get<double>(), s["workers"].get<int>());
  fmt::print("  outcomes:");
  for (const auto& [k, v] : s["by_outcome"].items()) fmt::print(" {}={}", k, v.get<uint64_t>());
  fmt::print("\n  {:<12} {:>6} {:>9} {:>7} {:>7} {:>6}  {}\n", "class", "n", "critical", "sdc", "masked", "hang",
             "critical-SDC rate [95% Wilson]");
  for (const auto& [name, c] : s["by_class"].items())
    fmt::print("  {:<12} {:>6} {:>9} {:>7} {:>7} {:>6}  {:.4f} [{:.4f}, {:.4f}]\n", name, c["n"].get<uint64_t>(),
               c["sdc_critical"].get<uint64_t>(), c["sdc"].get<uint64_t>(), c["masked"].get<uint64_t>(),
               c["hang"].get<uint64_t>(), c["rate"].get<double>(), c["ci_low"].get<double>(),
               c["ci_high"].get<double>());
}

}  // namespace

void register_campaign(CLI::App& app, int& exit_code) {
  struct Options {
    std::string config;
    std::string db;
    int workers = 0;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* c = app.add_subcommand("campaign", "run (or resume) an RTL fault-injection campaign");
  c->add_option("CONFIG", o->config, "campaign YAML (configs/campaigns/*.yaml)")->required();
  c->add_option("--db", o->db, "SQLite results file (default: <config name>.db); re-run to resume");
  c->add_option("--workers", o->workers, "worker processes (default: the config's)")->check(CLI::Range(1, 256));
  c->add_flag("--json", o->json, "print one JSON object");
  c->callback([o, &exit_code] {
    CampaignRunOptions options;
    options.db = o->db.empty() ? std::filesystem::path(o->config).stem().string() + ".db" : o->db;
    options.workers = o->workers;
    options.progress = !o->json;
    const nlohmann::json summary = run_campaign(o->config, options);
    if (o->json) {
      std::cout << summary.dump(2) << "\n";
    } else {
      print_summary(summary);
    }
    exit_code = 0;
  });
}

}  // namespace flipsim::cli
