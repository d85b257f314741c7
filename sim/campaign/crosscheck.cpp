#include "sim/campaign/crosscheck.h"

#include <fmt/core.h>

#include <memory>

#include "model/common/config_error.h"
#include "model/common/progress.h"
#include "sim/campaign/campaign_setup.h"
#include "sim/campaign/injection_runner.h"
#include "sim/campaign/worker_pool.h"

namespace flipsim {

namespace {

/// One fault model as the cross-check exercises it.
struct ModelCase {
  FaultModel model;
  uint64_t duration;  ///< stuck-at: cycles held (0: the whole inference)
  const char* label;
  double ber = 0;     ///< bit-error rate (0: the campaign's)
};

// Every fault model, stuck-at both for a while (the hybrid engine's case) and for good (the full engine's).
constexpr ModelCase kModels[] = {
    {FaultModel::kFlip, 0, "flip"},
    {FaultModel::kMultiBit, 0, "multi_bit"},
    {FaultModel::kStuckAt0, 64, "stuck_at_0(64 cycles)"},
    {FaultModel::kStuckAt1, 64, "stuck_at_1(64 cycles)"},
    {FaultModel::kStuckAt0, 4096, "stuck_at_0(4096 cycles)"},  // often outlives its pass
    {FaultModel::kStuckAt1, 0, "stuck_at_1(permanent)"},
    {FaultModel::kSramFlip, 0, "sram_flip"},
    {FaultModel::kSramBer, 0, "sram_ber"},
    {FaultModel::kSramBer, 0, "sram_ber(1e-4)", 1e-4},  // many flips in the words every pass reads
};

struct Case {
  std::string label;
  CampaignConfig config;
  std::unique_ptr<TargetSpace> space;
};

std::vector<Case> all_cases(const CampaignSetup& setup, bool own_fault_only) {
  std::vector<Case> cases;
  if (own_fault_only) {
    Case k;
    k.config = setup.config;
    k.label = std::string(fault_model_name(k.config.fault)) + "/campaign targets";
    k.space = std::make_unique<TargetSpace>(*setup.map, k.config);
    cases.push_back(std::move(k));
    return cases;
  }
  for (const ModelCase& m : kModels) {
    std::vector<std::vector<SiteClass>> selections;
    if (m.model == FaultModel::kSramBer) selections.push_back({});  // every buffer at once
    for (int c = 0; c < kNumSiteClasses; ++c) selections.push_back({SiteClass(c)});
    for (const auto& classes : selections) {
      Case k;
      k.config = setup.config;
      k.config.fault = m.model;
      k.config.duration = m.duration;
      k.config.fault_bits = 2;
      if (m.ber > 0) k.config.ber = m.ber;
      k.config.targets = TargetFilter{};
      k.config.targets.classes = classes;
      k.label = std::string(m.label) + "/" + (classes.empty() ? std::string("all buffers") : site_class_name(classes[0]));
      k.config.seed = setup.config.seed * 1000003u + cases.size();
      try {
        k.space = std::make_unique<TargetSpace>(*setup.map, k.config);
      } catch (const ConfigError&) {
        continue;  // this model cannot reach this class (stuck-at on SRAM, SRAM models on flip-flops)
      }
      cases.push_back(std::move(k));
    }
  }
  return cases;
}

/// What differs between the two rows, column by column (cycles simulated aside: that is the point).
std::string row_differences(const nlohmann::json& full, const nlohmann::json& hybrid) {
  std::string out;
  for (const auto& [column, value] : full.items())
    if (column != "cycles_simulated" && value != hybrid[column])
      out += fmt::format(" {}: full {} hybrid {};", column, value.dump(), hybrid[column].dump());
  return out;
}

}  // namespace

nlohmann::json CrosscheckResult::to_json() const {
  return {{"injections", injections}, {"hybrid_ran", hybrid_ran}, {"mismatches", mismatches.size()},
          {"cases", cases}, {"mismatch_details", mismatches}, {"hybrid_ran_outcomes", hybrid_ran_outcomes}};
}

CrosscheckResult crosscheck_engines(const std::string& config_path, const CrosscheckOptions& options) {
  const std::unique_ptr<CampaignSetup> setup = load_campaign_setup(config_path);
  const std::vector<Case> cases = all_cases(*setup, options.own_fault_only);
  const Timeline timeline = Timeline::from_json(probe_timeline(*setup));
  CrosscheckResult result;
  for (const Case& c : cases) result.cases.push_back(c.label);
  const uint64_t total = cases.size() * options.per_case;
  const int workers = int(std::max<uint64_t>(1, std::min<uint64_t>(uint64_t(std::max(1, options.workers)), total)));

  WorkerPool pool;
  for (int w = 0; w < workers; ++w) {
    pool.spawn([&, w](const WorkerPool::WriteLine& write_line) {
      InjectionRunner runner(*setup, watchdog_cycles(timeline, setup->config.watchdog_factor));
      for (uint64_t i = uint64_t(w); i < total; i += uint64_t(workers)) {
        const Case& c = cases[i / options.per_case];
        const Injection inj = draw_injection(i % options.per_case, c.config, *c.space, *setup->map, timeline);
        const EngineComparison cmp = runner.compare_engines(inj);
        write_line(nlohmann::json{{"case", i / options.per_case},
                                  {"hybrid_ran", cmp.hybrid_ran},
                                  {"same_values", cmp.same_values},
                                  {"full", to_json(cmp.full)},
                                  {"hybrid", to_json(cmp.hybrid)}}
                       .dump());
      }
    });
  }
  ProgressLine progress("cross-checked injections", total, 0, options.progress);
  std::vector<std::string> errors;
  while (pool.pump(200, [&](std::string_view line) {
    const auto j = nlohmann::json::parse(line);
    if (j.contains("error")) {
      errors.push_back(j["error"]);
      return;
    }
    ++result.injections;
    const InjectionRecord full = injection_from_json(j["full"]);
    if (j["hybrid_ran"].get<bool>()) {
      ++result.hybrid_ran;
      ++result.hybrid_ran_outcomes[to_string(full.outcome)];
    }
    std::string diff = row_differences(j["full"], j["hybrid"]);
    if (!j["same_values"].get<bool>()) diff += " op outputs differ;";
    if (!diff.empty())
      result.mismatches.push_back(fmt::format("{} injection {} on {} (image {}, pass {}, busy cycle {}):{}",
                                              cases[j["case"].get<size_t>()].label, full.id, full.site, full.image,
                                              full.pass, full.cycle, diff));
    progress.add();
  })) {
  }
  for (std::string& e : pool.reap()) errors.push_back(std::move(e));
  if (!errors.empty()) throw std::runtime_error("cross-check worker failed: " + errors.front());
  return result;
}

}  // namespace flipsim
