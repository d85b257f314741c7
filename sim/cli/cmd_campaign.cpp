// flipsim campaign: an RTL fault campaign, resumable, results in SQLite.
#include <fmt/core.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "sim/campaign/campaign_runner.h"
#include "sim/campaign/crosscheck.h"
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

void print_crosscheck(const nlohmann::json& c) {
  fmt::print("  cross-check, hybrid against full RTL: {} injections over {} fault-model/class cases ({} run by the "
             "hybrid engine, the rest handed to the full one): {} mismatches\n",
             c["injections"].get<uint64_t>(), c["cases"].size(), c["hybrid_ran"].get<uint64_t>(),
             c["mismatches"].get<uint64_t>());
  for (const auto& m : c["mismatch_details"]) fmt::print("    MISMATCH {}\n", m.get<std::string>());
}

}  // namespace

void register_campaign(CLI::App& app, int& exit_code) {
  struct Options {
    std::string config;
    std::string db;
    int workers = 0;
    bool json = false;
    std::string engine = "hybrid";
    uint64_t crosscheck = 0;
  };
  auto o = std::make_shared<Options>();
  CLI::App* c = app.add_subcommand("campaign", "run (or resume) an RTL fault-injection campaign");
  c->add_option("CONFIG", o->config, "campaign YAML (configs/campaigns/*.yaml)")->required();
  c->add_option("--db", o->db, "SQLite results file (default: <config name>.db); re-run to resume");
  c->add_option("--workers", o->workers, "worker processes (default: the config's)")->check(CLI::Range(1, 256));
  c->add_option("--engine", o->engine,
                "hybrid: the RTL runs only while the fault is live, from golden checkpoints (default); "
                "full: every cycle of every inference on the RTL")
      ->check(CLI::IsMember({"hybrid", "full"}));
  c->add_option("--crosscheck", o->crosscheck,
                "also run N random injections of every site class and fault model on both engines; any "
                "difference is printed and the command exits 1");
  c->add_flag("--json", o->json, "print one JSON object");
  c->callback([o, &exit_code] {
    CampaignRunOptions options;
    options.db = o->db.empty() ? std::filesystem::path(o->config).stem().string() + ".db" : o->db;
    options.workers = o->workers;
    options.progress = !o->json;
    options.engine = o->engine == "full" ? CampaignEngine::kFull : CampaignEngine::kHybrid;
    nlohmann::json summary = run_campaign(o->config, options);
    summary["engine"] = o->engine;
    exit_code = 0;
    if (o->crosscheck > 0) {
      CrosscheckOptions check;
      check.per_case = o->crosscheck;
      check.workers = summary["workers"].get<int>();
      check.progress = options.progress;
      const CrosscheckResult result = crosscheck_engines(o->config, check);
      summary["crosscheck"] = result.to_json();
      if (!result.mismatches.empty()) exit_code = 1;
    }
    if (o->json) {
      std::cout << summary.dump(2) << "\n";
    } else {
      print_summary(summary);
      if (summary.contains("crosscheck")) print_crosscheck(summary["crosscheck"]);
    }
  });
}

}  // namespace flipsim::cli
