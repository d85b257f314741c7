#include "sim/explore/exploration.h"

#include <fmt/core.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "sim/campaign/campaign_config.h"
#include "sim/campaign/campaign_runner.h"
#include "sim/campaign/fault_plan.h"
#include "sim/campaign/result_store.h"
#include "testbench/site_map.h"

namespace flipsim {

namespace {

void write_if_changed(const std::filesystem::path& path, const std::string& text) {
  {
    std::ifstream in(path);
    std::ostringstream held;
    held << in.rdbuf();
    if (in && held.str() == text) return;
  }
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error(path.string() + ": cannot write");
}

void tally(OptionResult& o) {
  const ResultStore store(o.db);
  for (const InjectionRecord& r : store.injections()) {
    ++o.trials;
    switch (r.outcome) {
      case Outcome::kMasked: ++o.masked; break;
      case Outcome::kSdc: ++o.sdc; break;
      case Outcome::kSdcCritical: ++o.critical; break;
      case Outcome::kDetected: ++o.detected; break;
      case Outcome::kCorrected: ++o.corrected; break;
      case Outcome::kHang: ++o.hangs; break;
    }
    if (r.outcome != Outcome::kHang && r.faulty_top1 == r.label) ++o.correct;
  }
  o.critical_rate = wilson(o.critical, o.trials);
  o.accuracy = wilson(o.correct, o.trials);
  o.detected_rate = wilson(o.detected, o.trials);
}

/// Whether `protection` turns a single upset of `site` into a corrected or detected error by construction.
bool covers(const Protection& protection, const SiteMap& map, const Site& site) {
  if (site.sram) return protection.buffer[size_t(site.buffer)] != Code::kNone;
  const int cls = int(site.cls);
  if (cls > int(SiteClass::kPeValid)) return false;  // PE register classes come first, in PeRegister order
  const Redundancy r = protection.pe[size_t(cls)];
  return r != Redundancy::kNone && site.bit >= protected_lsb(r, map.ff_groups()[size_t(site.ff_group)].width);
}

bool detect_only(const Protection& p) {
  for (Code c : p.buffer)
    if (c == Code::kParity) return true;
  for (Redundancy r : p.pe)
    if (r == Redundancy::kDmr || r == Redundancy::kDmrUpper) return true;
  return false;
}

/// The baseline's critical SDCs that `option` leaves uncovered, per class, scaled by how much the class's site
/// count grows with the option's check bits and copies (which a single upset can never make critical: they are
/// corrected, detected or unused); classes weighted as the campaign draws them.
void predict(const ExplorationConfig& config, const std::filesystem::path& dir, const OptionResult& baseline,
             OptionResult& o) {
  const CampaignConfig campaign = load_campaign_config((dir / (o.option.name + ".yaml")).string());
  if (campaign.fault != FaultModel::kFlip && campaign.fault != FaultModel::kSramFlip) {
    o.prediction_note = "predicted for single upsets (flip, sram_flip) only";
    return;
  }
  if (o.option.protection.on_detect == OnDetect::kZero && detect_only(o.option.protection)) {
    o.prediction_note = "not modelled: a detected value read as zero may still change the class";
    return;
  }
  const CampaignConfig base_campaign = load_campaign_config((dir / (config.options[0].name + ".yaml")).string());
  const SiteMap base_map(base_campaign.network.accel), map(campaign.network.accel);
  const TargetSpace base_space(base_map, base_campaign), space(map, campaign);
  std::map<std::string, std::pair<uint64_t, uint64_t>> per_class;  // class -> (injections, uncovered critical)
  for (const InjectionRecord& r : ResultStore(baseline.db).injections()) {
    auto& [n, critical] = per_class[r.site_class];
    ++n;
    if (r.outcome == Outcome::kSdcCritical && r.site_id >= 0 &&
        !covers(o.option.protection, base_map, base_map.site(uint64_t(r.site_id))))
      ++critical;
  }
  auto class_size = [](const TargetSpace& s, const std::string& name) {
    for (size_t c = 0; c < s.classes().size(); ++c)
      if (name == site_class_name(s.classes()[c])) return double(s.class_size(c));
    return 0.0;
  };
  double rate = 0;
  uint64_t total = 0;
  for (const auto& [name, counts] : per_class) {
    const double growth = class_size(base_space, name) / std::max(1.0, class_size(space, name));
    // Per class, the campaign draws a class uniformly; else a site uniformly, so a class weighs by its sites.
    const double weight = campaign.targets.per_class ? double(counts.first) : double(counts.first) * growth;
    rate += weight * double(counts.second) / double(counts.first) * growth;
    total += counts.first;
  }
  o.predicted = total ? rate / double(total) : 0;
}

}  // namespace

ExplorationResult run_exploration(const ExplorationConfig& config, const ExploreRunOptions& options,
                                  const MpiSession& mpi) {
  ExplorationResult result;
  result.config = config;
  const std::filesystem::path dir = std::filesystem::path(options.out_dir) / config.name;
  std::filesystem::create_directories(dir);
  for (size_t i = 0; i < config.options.size(); ++i) {
    OptionResult o;
    o.option = config.options[i];
    const std::filesystem::path yaml = dir / (o.option.name + ".yaml");
    write_if_changed(yaml, option_campaign_yaml(config, i));
    o.db = (dir / (o.option.name + ".db")).string();
    o.cost = protection_cost(load_campaign_config(yaml.string()).network.accel);
    if (options.progress) fmt::print(stderr, "option {} ({}): {}\n", o.option.name, i + 1, o.option.protection.describe());
    CampaignRunOptions run;
    run.db = o.db;
    run.workers = options.workers;
    run.progress = options.progress;
    run.engine = CampaignEngine::kFull;
    const nlohmann::json summary = run_campaign(yaml.string(), run, mpi);
    result.campaign_seconds += summary["seconds"].get<double>();
    tally(o);
    result.options.push_back(o);
  }
  for (size_t i = 1; i < result.options.size(); ++i) predict(config, dir, result.options[0], result.options[i]);
  result.options[0].predicted = result.options[0].critical_rate.value;
  result.options[0].prediction_note = "the baseline (measured)";
  // Pareto: no other option is at most as costly and at most as critical, and better in one of the two.
  for (OptionResult& o : result.options) {
    o.pareto = true;
    for (const OptionResult& other : result.options) {
      const long cost = o.cost.area(), other_cost = other.cost.area();
      const double rate = o.critical_rate.value, other_rate = other.critical_rate.value;
      if (other_cost <= cost && other_rate <= rate && (other_cost < cost || other_rate < rate)) o.pareto = false;
    }
  }
  return result;
}

nlohmann::json to_json(const ExplorationResult& r) {
  nlohmann::json options = nlohmann::json::array();
  for (const OptionResult& o : r.options) {
    nlohmann::json j = {{"name", o.option.name},
                        {"protection", o.option.protection.describe()},
                        {"overhead_bits", o.cost.storage_bits + o.cost.flip_flop_bits},
                        {"overhead_storage_bits", o.cost.storage_bits},
                        {"overhead_flip_flop_bits", o.cost.flip_flop_bits},
                        {"overhead_cells", o.cost.cells},
                        {"overhead_transistors", o.cost.transistors},
                        {"overhead_area", o.cost.area()},
                        {"injections", o.trials},
                        {"masked", o.masked},
                        {"sdc", o.sdc},
                        {"sdc_critical", o.critical},
                        {"detected", o.detected},
                        {"corrected", o.corrected},
                        {"hang", o.hangs},
                        {"sdc_critical_rate", o.critical_rate.value},
                        {"ci_low", o.critical_rate.low},
                        {"ci_high", o.critical_rate.high},
                        {"accuracy", o.accuracy.value},
                        {"accuracy_ci_low", o.accuracy.low},
                        {"accuracy_ci_high", o.accuracy.high},
                        {"detected_rate", o.detected_rate.value},
                        {"predicted", o.predicted >= 0 ? nlohmann::json(o.predicted) : nlohmann::json()},
                        {"prediction_note", o.prediction_note},
                        {"pareto", o.pareto},
                        {"db", o.db}};
    options.push_back(j);
  }
  return {{"name", r.config.name},
          {"config", r.config.file},
          {"options", options},
          {"campaign_seconds", r.campaign_seconds},
          {"area_unit", "CMOS transistors (Yosys stat -tech cmos) + 6 per stored bit"},
          {"cost_command", cost_command_example()}};
}

void print_exploration(const ExplorationResult& r) {
  fmt::print("{}: {} options, {:.0f} s of campaigns\n", r.config.name, r.options.size(), r.campaign_seconds);
  fmt::print("{:<18} {:>10} {:>8} {:>9} {:>7}  {:<24} {:<24} {:>9} {:>9} {:>9}  {}\n", "option", "bits", "cells",
             "area", "inj", "critical SDC [95% CI]", "accuracy [95% CI]", "predicted", "detected", "corrected",
             "pareto");
  for (const OptionResult& o : r.options) {
    const std::string predicted = o.predicted >= 0 ? fmt::format("{:.4f}", o.predicted) : "n/a";
    fmt::print("{:<18} {:>10} {:>8} {:>9} {:>7}  {:<24} {:<24} {:>9} {:>9} {:>9}  {}\n", o.option.name,
               o.cost.storage_bits + o.cost.flip_flop_bits, o.cost.cells, o.cost.area(), o.trials,
               fmt::format("{:.4f} [{:.4f}, {:.4f}]", o.critical_rate.value, o.critical_rate.low, o.critical_rate.high),
               fmt::format("{:.4f} [{:.4f}, {:.4f}]", o.accuracy.value, o.accuracy.low, o.accuracy.high), predicted,
               o.detected, o.corrected, o.pareto ? "*" : "");
  }
  fmt::print("area: CMOS transistors of the added logic (Yosys, stat -tech cmos) plus 6 per added stored bit; "
             "predicted: critical-SDC rate from the baseline's injections and what each option covers\n");
  for (const OptionResult& o : r.options)
    if (o.predicted < 0) fmt::print("  {}: {}\n", o.option.name, o.prediction_note);
}

}  // namespace flipsim
