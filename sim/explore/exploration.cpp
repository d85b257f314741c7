#include "sim/explore/exploration.h"

#include <fmt/core.h>

#include <filesystem>
#include <map>
#include <memory>
#include <thread>

#include "sim/campaign/campaign_config.h"
#include "sim/campaign/campaign_runner.h"
#include "sim/campaign/fault_plan.h"
#include "sim/campaign/result_store.h"
#include "sim/explore/ber_prediction.h"
#include "testbench/site_map.h"

namespace flipsim {

namespace {

void tally(OptionResult& o, const std::vector<InjectionRecord>& rows) {
  for (const InjectionRecord& r : rows) {
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
    if (r.golden_top1 == r.label) ++o.fault_free_correct;
  }
  o.critical_rate = wilson(o.critical, o.trials);
  o.accuracy = wilson(o.correct, o.trials);
  o.fault_free_accuracy = wilson(o.fault_free_correct, o.trials);
  o.detected_rate = wilson(o.detected, o.trials);
}

/// Whether `protection` turns a single upset of `site` into a corrected or detected error by construction.
bool covers(const Protection& protection, const SiteMap& map, const Site& site) {
  if (site.sram) return protection.buffer[size_t(site.buffer)] != Code::kNone;
  const FfGroup& group = map.ff_groups()[size_t(site.ff_group)];
  if (!group.replicated) return false;
  const Redundancy r = protection.registers[size_t(*register_class(site.cls))];
  return r != Redundancy::kNone && site.bit >= protected_lsb(r, group.width);
}

bool detect_only(const Protection& p) {
  for (Code c : p.buffer)
    if (c == Code::kParity) return true;
  for (Redundancy r : p.registers)
    if (r == Redundancy::kDmr || r == Redundancy::kDmrUpper) return true;
  return false;
}

/// An option's campaign once it has run, read once: its config, site map, target space and rows.
struct StoredCampaign {
  CampaignConfig campaign;
  SiteMap map;
  TargetSpace space;
  std::vector<InjectionRecord> injections;

  explicit StoredCampaign(const std::string& yaml, const std::string& db)
      : campaign(load_campaign_config(yaml)),
        map(campaign.network.accel),
        space(map, campaign),
        injections(ResultStore(db).injections()) {}
  StoredCampaign(const StoredCampaign&) = delete;  // space refers to map
  StoredCampaign& operator=(const StoredCampaign&) = delete;
};

double class_size(const TargetSpace& s, const std::string& name) {
  for (size_t c = 0; c < s.classes().size(); ++c)
    if (name == site_class_name(s.classes()[c])) return double(s.class_size(c));
  return 0.0;
}

/// The baseline's critical SDCs that `option` leaves uncovered, scaled by how much the option grows the site
/// space with check bits and copies (which a single upset can never make critical: they are corrected, detected
/// or unused): per class when the campaign draws a class first, else over all sites. Under a bit-error rate, the
/// model's prediction (ber_prediction.h), with the baseline's measured rate (`measured`, its tally).
void predict(const StoredCampaign& option, const StoredCampaign& baseline, const OptionResult& measured,
             OptionResult& o) {
  const CampaignConfig& campaign = option.campaign;
  if (campaign.fault == FaultModel::kSramBer) {
    // No unprotected reference: every silently wrong bit counts critical.
    const double baseline_critical =
        baseline.campaign.network.accel.protection.any() ? -1 : measured.critical_rate.value;
    const BerPrediction p = predict_ber_option(campaign, baseline_critical,
                                               int(std::max(1u, std::thread::hardware_concurrency())));
    o.predicted = p.critical;
    o.prediction_note = p.note;
    if (p.critical >= 0 && o.option.protection.on_detect == OnDetect::kFlag && o.option.protection.coded())
      o.predicted_detected = p.flagged;
    return;
  }
  if (campaign.fault != FaultModel::kFlip && campaign.fault != FaultModel::kSramFlip) {
    o.prediction_note = "predicted for single upsets (flip, sram_flip) and bit-error rates (sram_ber) only";
    return;
  }
  if (o.option.protection.clip_activations) {
    o.prediction_note = "not modelled: clipping changes how far an upset spreads, which the baseline does not record";
    return;
  }
  if (o.option.protection.on_detect == OnDetect::kZero && detect_only(o.option.protection)) {
    o.prediction_note = "not modelled: a detected value read as zero may still change the class";
    return;
  }
  const TargetSpace& space = option.space;
  std::map<std::string, std::pair<uint64_t, uint64_t>> per_class;  // class -> (injections, uncovered critical)
  for (const InjectionRecord& r : baseline.injections) {
    auto& [n, critical] = per_class[r.site_class];
    ++n;
    if (r.outcome == Outcome::kSdcCritical && r.site_id >= 0 &&
        !covers(o.option.protection, baseline.map, baseline.map.site(uint64_t(r.site_id))))
      ++critical;
  }
  uint64_t total = 0, critical = 0;
  double per_class_rate = 0;
  for (const auto& [name, counts] : per_class) {
    total += counts.first;
    critical += counts.second;
    // Drawn first, each class keeps the share of injections it had; its rate dilutes by its own growth.
    per_class_rate += double(counts.second) * class_size(baseline.space, name) / std::max(1.0, class_size(space, name));
  }
  if (total == 0) {
    o.predicted = 0;
  } else if (campaign.targets.per_class) {
    o.predicted = per_class_rate / double(total);
  } else {
    o.predicted = double(critical) / double(total) * double(baseline.space.size()) / double(space.size());
  }
}

/// Pairs the option's injections with the baseline's when both drew the same ones (OptionResult::paired).
void pair_with_baseline(const StoredCampaign& option, const StoredCampaign& baseline, OptionResult& o) {
  if (option.space.size() != baseline.space.size() || option.space.classes() != baseline.space.classes()) return;
  const std::vector<InjectionRecord>& rows = option.injections;
  if (rows.size() != baseline.injections.size()) return;
  uint64_t only_baseline = 0, only_option = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const InjectionRecord &a = baseline.injections[i], &b = rows[i];
    if (a.id != b.id || a.image != b.image || a.site_id != b.site_id || a.pass != b.pass || a.cycle != b.cycle ||
        a.mask != b.mask || a.flips != b.flips)
      return;
    const bool critical_a = a.outcome == Outcome::kSdcCritical, critical_b = b.outcome == Outcome::kSdcCritical;
    only_baseline += critical_a && !critical_b;
    only_option += critical_b && !critical_a;
  }
  o.paired = true;
  o.critical_only_baseline = only_baseline;
  o.critical_only_option = only_option;
  o.paired_p = mcnemar_exact_p(only_baseline, only_option);
}

}  // namespace

ExplorationResult run_exploration(const ExplorationConfig& config, const ExploreRunOptions& options,
                                  const MpiSession& mpi) {
  ExplorationResult result;
  result.config = config;
  const std::filesystem::path dir = std::filesystem::path(options.out_dir) / config.name;
  std::filesystem::create_directories(dir);
  std::unique_ptr<StoredCampaign> baseline;  // the first option's, which the others are predicted from
  for (size_t i = 0; i < config.options.size(); ++i) {
    OptionResult o;
    o.option = config.options[i];
    const std::filesystem::path yaml = dir / (o.option.name + ".yaml");
    write_generated_campaign(yaml.string(), option_campaign_yaml(config, i));
    o.db = (dir / (o.option.name + ".db")).string();
    // Before the campaign: a synthesis that fails does so before the long part.
    o.cost = protection_cost(load_campaign_config(yaml.string()).network.accel);
    if (options.progress) fmt::print(stderr, "option {} ({}): {}\n", o.option.name, i + 1, o.option.protection.describe());
    CampaignRunOptions run;
    run.db = o.db;
    run.workers = options.workers;
    run.progress = options.progress;
    run.engine = options.engine;
    const nlohmann::json summary = run_campaign(yaml.string(), run, mpi);
    result.campaign_seconds += summary["seconds"].get<double>();
    auto stored = std::make_unique<StoredCampaign>(yaml.string(), o.db);
    tally(o, stored->injections);
    if (i == 0) {
      baseline = std::move(stored);
    } else {
      predict(*stored, *baseline, result.options.front(), o);
      pair_with_baseline(*stored, *baseline, o);
    }
    result.options.push_back(o);
  }
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
                        {"fault_free_accuracy", o.fault_free_accuracy.value},
                        {"detected_rate", o.detected_rate.value},
                        {"predicted", o.predicted >= 0 ? nlohmann::json(o.predicted) : nlohmann::json()},
                        {"predicted_detected",
                         o.predicted_detected >= 0 ? nlohmann::json(o.predicted_detected) : nlohmann::json()},
                        {"prediction_note", o.prediction_note},
                        {"paired_with_baseline", o.paired},
                        {"critical_only_baseline", o.paired ? nlohmann::json(o.critical_only_baseline) : nlohmann::json()},
                        {"critical_only_option", o.paired ? nlohmann::json(o.critical_only_option) : nlohmann::json()},
                        {"paired_p", o.paired ? nlohmann::json(o.paired_p) : nlohmann::json()},
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
  fmt::print("{:<18} {:>10} {:>8} {:>9} {:>7}  {:<24} {:<24} {:>10} {:>9} {:>9} {:>9}  {}\n", "option", "bits",
             "cells", "area", "inj", "critical SDC [95% CI]", "accuracy [95% CI]", "fault-free", "predicted",
             "detected", "corrected", "pareto");
  for (const OptionResult& o : r.options) {
    const std::string predicted = o.predicted >= 0 ? fmt::format("{:.4f}", o.predicted) : "n/a";
    fmt::print("{:<18} {:>10} {:>8} {:>9} {:>7}  {:<24} {:<24} {:>10.4f} {:>9} {:>9} {:>9}  {}\n", o.option.name,
               o.cost.storage_bits + o.cost.flip_flop_bits, o.cost.cells, o.cost.area(), o.trials,
               fmt::format("{:.4f} [{:.4f}, {:.4f}]", o.critical_rate.value, o.critical_rate.low, o.critical_rate.high),
               fmt::format("{:.4f} [{:.4f}, {:.4f}]", o.accuracy.value, o.accuracy.low, o.accuracy.high),
               o.fault_free_accuracy.value, predicted, o.detected, o.corrected, o.pareto ? "*" : "");
  }
  fmt::print("area: CMOS transistors of the added logic (Yosys, stat -tech cmos) plus 6 per added stored bit; "
             "fault-free: accuracy of the same inferences without faults; "
             "predicted: critical-SDC rate from the baseline's injections and what each option covers (single "
             "upsets), or from the data-level model and the codes' per-lane outcomes (bit-error rates)\n");
  for (const OptionResult& o : r.options)
    if (!o.prediction_note.empty() && &o != &r.options.front()) fmt::print("  {}: {}\n", o.option.name, o.prediction_note);
  for (const OptionResult& o : r.options)
    if (o.paired)
      fmt::print("  {}: the baseline's injections exactly; critical without it only {}, with it only {} (exact "
                 "McNemar p = {:.3g})\n",
                 o.option.name, o.critical_only_baseline, o.critical_only_option, o.paired_p);
}

}  // namespace flipsim
