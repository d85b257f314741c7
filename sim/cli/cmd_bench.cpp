// flipsim bench campaign: what a campaign costs on this machine, measured in one run so that the ratios hold on
// a shared, noisy machine: injections/s of the full-RTL engine, of the hybrid engine (1 and 2 workers) and of
// flipsim's software-level injector (data-level single-bit flips in weights, incremental bit-exact
// recomputation), their ratios, and a cross-check of the hybrid engine against the full one. With --repeat N the
// 1- and 2-worker hybrid runs alternate N times and the medians are reported beside every pair's ratio: on this
// machine one pair's ratio moves by +-20 % from run to run (BENCHMARKS.md).
#include <fmt/core.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "model/nn/infer_config.h"
#include "model/soft_error/fault_space.h"
#include "model/soft_error/sw_fault_sim.h"
#include "model/soft_error/sweep_config.h"
#include "sim/campaign/campaign_runner.h"
#include "sim/campaign/crosscheck.h"
#include "sim/cli/commands.h"

namespace flipsim::cli {

namespace {

struct BenchOptions {
  std::string network = "lenet5";
  uint64_t full = 40;
  uint64_t hybrid = 2000;
  uint64_t crosscheck = 4;
  int images = 8;
  int repeat = 1;  ///< 1- and 2-worker hybrid pairs
  std::string mix = "classes";
  bool json = false;
};

/// The campaign's targets for a mix: "classes", every flip-flop class and buffer of the default 8x8 array as many
/// times (the main job's mix); "flip_flops", every flip-flop bit equally likely; "sites", every flip-flop and stored
/// bit equally likely (what uniform particle strikes do: 95 % buffer bits).
std::string mix_targets(const std::string& mix) {
  const std::string flip_flops = "pe_weight, pe_act, pe_psum, pe_valid, array_edge, ctrl, ppu, host";
  if (mix == "flip_flops") return "{classes: [" + flip_flops + "]}";
  if (mix == "sites") return "{classes: [" + flip_flops + ", abuf, wbuf, bbuf, accbuf, obuf]}";
  return "{classes: [" + flip_flops + ", abuf, wbuf, bbuf, accbuf, obuf], per_class: true}";
}

/// A campaign of single-bit flips on the bench's mix.
std::string write_config(const std::string& dir, const BenchOptions& o, const std::string& name, uint64_t injections) {
  const std::string path = dir + "/" + name + ".yaml";
  std::ofstream(path) << "campaign:\n  name: " << name << "\n  network: " << FLIPSIM_SOURCE_DIR << "/configs/infer/"
                      << o.network << ".yaml\n  images: " << o.images << "\n  targets: " << mix_targets(o.mix)
                      << "\n  fault: {model: flip}\n  injections: " << injections << "\n  seed: 1\n";
  return path;
}

nlohmann::json campaign_run(const std::string& config, const std::string& db, int workers, CampaignEngine engine) {
  CampaignRunOptions options;
  options.db = db;
  options.workers = workers;
  options.progress = false;
  options.engine = engine;
  const MpiSession mpi;
  return run_campaign(config, options, mpi);
}

/// flipsim's software-level injector on the same network: single-bit weight flips, 100 per image.
double software_rate(const BenchOptions& o) {
  const nn::InferConfig infer =
      nn::load_infer_config(std::string(FLIPSIM_SOURCE_DIR) + "/configs/infer/" + o.network + ".yaml");
  const model::LoadedNetwork ln = model::load_network(infer, 100);
  const model::FaultSpace space(ln.net, model::FaultTarget::kWeights);
  model::FaultModel single;
  single.mode = model::FaultModel::Mode::kSingle;
  model::SwFaultSim sim(ln.net, infer.accel);
  std::mt19937_64 rng(1);
  const auto t = std::chrono::steady_clock::now();
  uint64_t n = 0;
  for (size_t image = 0; image < 100; ++image) {
    sim.load_image(ln.net.quantize_image(ln.test.image(image)));
    for (int i = 0; i < 100; ++i, ++n) sim.inject(model::sample_faults(space, single, rng));
  }
  return double(n) / std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

nlohmann::json bench_campaign(const BenchOptions& o) {
  char pattern[] = "/tmp/flipsim_bench_XXXXXX";
  const std::string dir = mkdtemp(pattern);
  const std::string full_config = write_config(dir, o, "bench_full", o.full);
  const std::string hybrid_config = write_config(dir, o, "bench_hybrid", o.hybrid);
  nlohmann::json j;
  j["network"] = o.network;
  j["mix"] = o.mix;
  j["full_rtl_injections"] = o.full;
  j["hybrid_injections"] = o.hybrid;
  j["full_rtl_inj_per_s"] =
      campaign_run(full_config, dir + "/full.db", 1, CampaignEngine::kFull)["injections_per_second"].get<double>();
  // Each pair back to back, into fresh databases: the machine's load drifts between pairs more than within one.
  // Beside the rates, the CPU each run spent per injection in its workers and per row in its parent: two workers
  // and the parent share two cores, so the scaling is bounded by 2 W1 / (W2 + P).
  std::vector<double> one, two, ratio, worker_us_one, worker_us_two, parent_us;
  const auto us_per_injection = [&](const nlohmann::json& s, const char* key) {
    return s[key].get<double>() * 1e6 / double(o.hybrid);
  };
  for (int r = 0; r < o.repeat; ++r) {
    const std::string run = std::to_string(r);
    const nlohmann::json s1 = campaign_run(hybrid_config, dir + "/hybrid1_" + run + ".db", 1, CampaignEngine::kHybrid);
    const nlohmann::json s2 = campaign_run(hybrid_config, dir + "/hybrid2_" + run + ".db", 2, CampaignEngine::kHybrid);
    one.push_back(s1["injections_per_second"].get<double>());
    two.push_back(s2["injections_per_second"].get<double>());
    ratio.push_back(two.back() / one.back());
    worker_us_one.push_back(us_per_injection(s1, "workers_cpu_seconds"));
    worker_us_two.push_back(us_per_injection(s2, "workers_cpu_seconds"));
    parent_us.push_back(us_per_injection(s1, "parent_cpu_seconds"));
    parent_us.push_back(us_per_injection(s2, "parent_cpu_seconds"));
  }
  const double hybrid1 = median(one);
  j["hybrid_inj_per_s"] = hybrid1;
  j["hybrid_2_workers_inj_per_s"] = median(two);
  j["worker_scaling"] = median(ratio);
  j["worker_scaling_runs"] = ratio;
  j["worker_cpu_us_per_injection_1_worker"] = median(worker_us_one);
  j["worker_cpu_us_per_injection_2_workers"] = median(worker_us_two);
  j["parent_cpu_us_per_row"] = median(parent_us);
  j["software_inj_per_s"] = software_rate(o);
  j["speedup_hybrid_vs_full"] = hybrid1 / j["full_rtl_inj_per_s"].get<double>();
  CrosscheckResult c;
  if (o.crosscheck > 0) {
    CrosscheckOptions check;
    check.per_case = o.crosscheck;
    check.workers = 2;
    c = crosscheck_engines(full_config, check);
  }
  j["crosscheck_injections"] = c.injections;
  j["crosscheck_hybrid_ran"] = c.hybrid_ran;
  j["crosscheck_mismatches"] = c.mismatches.size();
  j["crosscheck_mismatch_details"] = c.mismatches;
  std::filesystem::remove_all(dir);
  return j;
}

}  // namespace

void register_bench(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* bench = app.add_subcommand("bench", "measure flipsim's own speed on this machine");
  bench->require_subcommand(1);
  CLI::App* c = bench->add_subcommand(
      "campaign", "injections/s of the full-RTL engine, the hybrid engine and software-level injection, "
                  "1 vs 2 workers, and a cross-check of hybrid against full RTL (one run: ratios hold)");
  c->add_option("--network", o->network, "shipped network (configs/infer/NAME.yaml)")
      ->check(CLI::IsMember({"mlp", "lenet5", "cnn", "resnet"}));
  c->add_option("--full", o->full, "injections on the full-RTL engine")->check(CLI::Range(1, 100000));
  c->add_option("--hybrid", o->hybrid, "injections on the hybrid engine")->check(CLI::Range(1, 10000000));
  c->add_option("--crosscheck", o->crosscheck, "cross-checked injections per fault model and site class")
      ->check(CLI::Range(0, 10000));
  c->add_option("--mix", o->mix,
                 "which sites the flips hit: classes (as many in every flip-flop class and buffer), flip_flops "
                 "(every flip-flop bit alike) or sites (every flip-flop and stored bit alike)")
      ->check(CLI::IsMember({"classes", "flip_flops", "sites"}));
  c->add_option("--repeat", o->repeat, "1- and 2-worker hybrid runs, alternated; medians reported")
      ->check(CLI::Range(1, 100));
  c->add_flag("--json", o->json, "print one JSON object");
  c->callback([o, &exit_code] {
    const nlohmann::json j = bench_campaign(*o);
    exit_code = j["crosscheck_mismatches"].get<uint64_t>() == 0 ? 0 : 1;
    if (o->json) {
      std::cout << j.dump(2) << "\n";
      return;
    }
    fmt::print("flipsim bench campaign, {} (8x8 int8), single-bit flips, mix {}:\n", o->network, o->mix);
    fmt::print("  full RTL, 1 worker:       {:>10.1f} injections/s ({} injections)\n",
               j["full_rtl_inj_per_s"].get<double>(), o->full);
    fmt::print("  hybrid, 1 worker:         {:>10.1f} injections/s ({} injections), {:.1f}x full RTL\n",
               j["hybrid_inj_per_s"].get<double>(), o->hybrid, j["speedup_hybrid_vs_full"].get<double>());
    fmt::print("  hybrid, 2 workers:        {:>10.1f} injections/s ({:.2f}x one worker)\n",
               j["hybrid_2_workers_inj_per_s"].get<double>(), j["worker_scaling"].get<double>());
    if (o->repeat > 1) {
      const auto runs = j["worker_scaling_runs"].get<std::vector<double>>();
      fmt::print("  (medians of {} alternated pairs; 2 workers / 1 in each pair: {:.2f})\n", runs.size(),
                 fmt::join(runs, ", "));
    }
    fmt::print("  CPU per injection: workers {:.1f} us (1 worker), {:.1f} us (2 workers); parent {:.1f} us a row\n",
               j["worker_cpu_us_per_injection_1_worker"].get<double>(),
               j["worker_cpu_us_per_injection_2_workers"].get<double>(), j["parent_cpu_us_per_row"].get<double>());
    fmt::print("  software-level, 1 thread: {:>10.1f} injections/s (weights, data level: no hardware)\n",
               j["software_inj_per_s"].get<double>());
    fmt::print("  cross-check: {} injections ({} by the hybrid engine), {} mismatches\n",
               j["crosscheck_injections"].get<uint64_t>(), j["crosscheck_hybrid_ran"].get<uint64_t>(),
               j["crosscheck_mismatches"].get<uint64_t>());
    for (const auto& m : j["crosscheck_mismatch_details"]) fmt::print("    MISMATCH {}\n", m.get<std::string>());
  });
}

}  // namespace flipsim::cli
