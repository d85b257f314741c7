#include "sim/campaign/replay.h"

#include <filesystem>

#include "model/common/config_error.h"
#include "sim/campaign/fault_plan.h"
#include "sim/campaign/injection_runner.h"
#include "testbench/harness.h"
#include "testbench/register_probe.h"

namespace flipsim {

namespace {

std::vector<std::string> differing(const SiteMap& map, const std::vector<uint64_t>& a, const std::vector<uint64_t>& b,
                                   int skip_group) {
  std::vector<std::string> out;
  for (size_t g = 0; g < a.size(); ++g) {
    if (int(g) == skip_group || a[g] == b[g]) continue;
    std::string bits;
    for (int bit = 0; bit < 64; ++bit)
      if (((a[g] ^ b[g]) >> bit) & 1) bits += (bits.empty() ? "" : ",") + std::to_string(bit);
    out.push_back(map.ff_groups()[g].name + "[" + bits + "]");
  }
  return out;
}

}  // namespace

ReplayReport replay_injection(const std::string& db, uint64_t id, const std::string& trace_file) {
  ReplayReport report;
  report.trace_file = trace_file;
  CampaignRow campaign;
  {
    const ResultStore store(db);
    campaign = store.campaign();
    report.stored = store.injection(id);
  }
  if (!std::filesystem::exists(campaign.config_path))
    throw ConfigError(campaign.config_path + ": the campaign's configuration file is missing; replay needs the one " +
                      db + " was written with");
  const std::unique_ptr<CampaignSetup> setup = load_campaign_setup(campaign.config_path);
  if (setup->config.text != campaign.config_text)
    throw ConfigError(campaign.config_path + ": the campaign's configuration file has changed since " + db +
                      " was written; replay needs the original");
  const Timeline timeline = Timeline::from_json(campaign.timeline_json);
  const Injection inj = draw_injection(id, setup->config, *setup->space, *setup->map, timeline);

  RtlOptions rtl;
  rtl.trace_on_demand = true;
  InjectionRunner runner(*setup, watchdog_cycles(timeline, setup->config.watchdog_factor), rtl);
  const RegisterProbe probe(*setup->map);
  if (!probe.available())
    throw ConfigError("accelerator " + campaign.accelerator + " has no public-register build for replay");
  Harness& harness = runner.engine().harness();
  const int target = inj.has_site && !inj.site.sram ? inj.site.ff_group : -1;

  // Pass 1 and 2: per-cycle hashes of the fault-free and the faulty run (the faulty one traced).
  std::vector<uint64_t> golden_all, golden_rest, faulty_all, faulty_rest;
  auto record = [&](std::vector<uint64_t>& all, std::vector<uint64_t>& rest) {
    return harness.monitor().add_cycle_hook([&] {
      all.push_back(probe.hash());
      rest.push_back(probe.hash(target));
    });
  };
  {
    const auto recording = record(golden_all, golden_rest);
    runner.run_fault_free(inj.image);
  }
  {
    const auto recording = record(faulty_all, faulty_rest);
    // The fault port carries the fault from a falling edge; the registers change at the next rising edge.
    const auto watching = harness.monitor().add_cycle_hook([&] {
      if (!report.fault_driven && harness.injector().driving()) {
        report.fault_driven = true;
        report.fault_cycle = faulty_all.size();
      }
    });
    if (!trace_file.empty()) harness.open_trace(trace_file);
    report.replayed = runner.run(inj);
    harness.close_trace();
  }
  report.run_cycles = faulty_all.size();

  const size_t common = std::min(golden_all.size(), faulty_all.size());
  for (size_t c = 0; c < common; ++c) {
    if (golden_all[c] != faulty_all[c]) {
      ++report.cycles_differing;
      if (!report.first.found) report.first = Divergence{true, c, {}};
    }
    if (golden_rest[c] != faulty_rest[c] && !report.spread.found) report.spread = Divergence{true, c, {}};
  }
  report.cycles_differing += std::max(golden_all.size(), faulty_all.size()) - common;
  if (!report.first.found) return report;

  // Pass 3 and 4: the full register state at the two divergence cycles, to name the signals.
  auto capture = [&](bool faulty) {
    std::vector<std::vector<uint64_t>> at(2);
    uint64_t cycle = 0;
    const auto capturing = harness.monitor().add_cycle_hook([&] {
      if (cycle == report.first.cycle) at[0] = probe.snapshot();
      if (report.spread.found && cycle == report.spread.cycle) at[1] = probe.snapshot();
      ++cycle;
    });
    if (faulty) {
      runner.run(inj);
    } else {
      runner.run_fault_free(inj.image);
    }
    return at;
  };
  const auto golden = capture(false);
  const auto faulty = capture(true);
  report.first.signals = differing(*setup->map, golden[0], faulty[0], -1);
  if (report.spread.found) report.spread.signals = differing(*setup->map, golden[1], faulty[1], target);
  return report;
}

}  // namespace flipsim
