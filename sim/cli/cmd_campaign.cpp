// flipsim campaign: an RTL fault campaign, resumable, results in SQLite; spread over MPI ranks under mpirun,
// or one shard of it (--shard I/N) for a job array.
#include <fmt/core.h>

#include <cstdlib>
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
  if (s.contains("parent_cpu_seconds"))
    fmt::print("  CPU: workers {:.1f} s, this process (storing the rows) {:.1f} s\n",
               s["workers_cpu_seconds"].get<double>(), s["parent_cpu_seconds"].get<double>());
  if (s.value("shard", "0/1") != "0/1") fmt::print("  shard {} (merge the shards with flipsim merge)\n", s["shard"].get<std::string>());
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

/// "I/N" -> shard I of N, 0 <= I < N; an error message otherwise (CLI11 puts "--shard: " before it).
std::string parse_shard(const std::string& text, int& shard, int& shards) {
  const std::string quoted = "'" + text + "'";
  const std::string expected = quoted + ": expected I/N, shard I (counted from 0) of N, e.g. 0/4";
  const size_t slash = text.find('/');
  if (slash == std::string::npos) return expected;
  const std::string i = text.substr(0, slash), n = text.substr(slash + 1);
  auto digits = [](const std::string& t) {
    return !t.empty() && t.size() <= 6 && t.find_first_not_of("0123456789") == std::string::npos;
  };
  if (!digits(i) || !digits(n)) return expected;
  shard = std::atoi(i.c_str());
  shards = std::atoi(n.c_str());
  if (shards < 1) return quoted + ": the shard count must be at least 1";
  if (shard >= shards)
    return quoted + ": the shard index must be below the count (0 to " + std::to_string(shards - 1) + ")";
  return "";
}

}  // namespace

void register_campaign(CLI::App& app, int& exit_code) {
  struct Options {
    std::string config;
    std::string db;
    int workers = 0;
    std::string shard;
    bool json = false;
    std::string engine = "hybrid";
    uint64_t crosscheck = 0;
  };
  auto o = std::make_shared<Options>();
  CLI::App* c = app.add_subcommand("campaign", "run (or resume) an RTL fault-injection campaign");
  c->add_option("CONFIG", o->config, "campaign YAML (configs/campaigns/*.yaml)")->required();
  c->add_option("--db", o->db, "SQLite results file (default: <config name>.db); re-run to resume");
  c->add_option("--workers", o->workers,
                "worker processes (default: the config's, else one per core; under mpirun one per rank)")
      ->check(CLI::Range(1, 256));
  c->add_option("--shard", o->shard,
                "I/N: run only shard I (from 0) of N, the ids with id % N == I, e.g. a Slurm array task; join "
                "the shards' databases with flipsim merge")
      ->check([](const std::string& text) {
        int shard = 0, shards = 1;
        return parse_shard(text, shard, shards);
      });
  c->add_option("--engine", o->engine,
                "hybrid: the RTL runs only while the fault is live, from golden checkpoints (default); "
                "full: every cycle of every inference on the RTL")
      ->check(CLI::IsMember({"hybrid", "full"}));
  c->add_option("--crosscheck", o->crosscheck,
                "also run N random injections of every site class and fault model on both engines; any "
                "difference is printed and the command exits 1");
  c->add_flag("--json", o->json, "print one JSON object");
  c->callback([o, &exit_code] {
    // Under mpirun every rank runs this command; rank 0 owns the database and prints.
    const MpiSession mpi;
    if (mpi.rank() != 0) {
      exit_code = serve_campaign(o->config, mpi) ? 0 : 2;
      return;
    }
    CampaignRunOptions options;
    if (!o->shard.empty()) parse_shard(o->shard, options.shard, options.shards);
    options.db = o->db.empty() ? std::filesystem::path(o->config).stem().string() + ".db" : o->db;
    options.workers = o->workers;
    options.progress = !o->json;
    options.engine = o->engine == "full" ? CampaignEngine::kFull : CampaignEngine::kHybrid;
    nlohmann::json summary = run_campaign(o->config, options, mpi);
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
