#include "sim/campaign/injection_runner.h"

#include <stdexcept>

#include "model/accel/golden.h"
#include "sim/campaign/ber_arch_engine.h"
#include "sim/campaign/hang_proof.h"
#include "sim/campaign/hybrid_engine.h"
#include "sim/campaign/register_engine.h"
#include "sim/campaign/outcome.h"
#include "sim/campaign/worker_pool.h"
#include "testbench/harness.h"

namespace flipsim {

namespace {

AccelConfig with_watchdog(AccelConfig c, uint64_t cycles) {
  if (cycles) c.watchdog_cycles = cycles;
  return c;
}

}  // namespace

InjectionRunner::InjectionRunner(const CampaignSetup& setup, uint64_t watchdog_cycles, const RtlOptions& rtl)
    : setup_(setup),
      engine_(with_watchdog(setup.config.network.accel, watchdog_cycles), rtl),
      ppu_(setup.config.network.accel.cols, setup.config.network.accel.acc_bits),
      schedule_(setup.net, setup.config.network.accel),
      arch_model_(setup.config.network.accel) {
  if (!ppu_.available()) throw std::runtime_error("the RTL build has no PPU observation taps (fs_ppu obs_*)");
  for (int p = 0; p < schedule_.passes(); ++p)
    pass_layers_.push_back(setup.net.ops[setup.net.accel_ops()[size_t(schedule_.layer_of_pass(p))]].layer.name);
}

const std::vector<FeatureMap>& InjectionRunner::golden(int image) {
  auto it = golden_.find(image);
  if (it == golden_.end()) {
    GoldenEngine engine(setup_.config.network.accel);
    it = golden_.emplace(image, setup_.net.run(setup_.net.quantize_image(setup_.test.image(size_t(image))), engine))
             .first;
  }
  return it->second;
}

const std::vector<std::vector<int64_t>>& InjectionRunner::golden_accumulators(int image) {
  auto it = golden_accumulators_.find(image);
  if (it == golden_accumulators_.end()) {
    const std::vector<FeatureMap>& values = golden(image);
    std::vector<std::vector<int64_t>> accs;
    for (size_t op : setup_.net.accel_ops()) {
      const nn::QOp& q = setup_.net.ops[op];
      accs.push_back(layer_accumulators(values[size_t(q.inputs[0])], q.layer, setup_.config.network.accel.acc_bits));
    }
    it = golden_accumulators_.emplace(image, std::move(accs)).first;
  }
  return it->second;
}

const std::vector<GoldenLayerRun>& InjectionRunner::golden_runs(int image) {
  auto it = golden_runs_.find(image);
  if (it == golden_runs_.end()) {
    const std::vector<FeatureMap>& values = golden(image);
    const std::vector<std::vector<int64_t>>& accumulators = golden_accumulators(image);
    std::vector<GoldenLayerRun> runs;
    for (size_t k = 0; k < setup_.net.accel_ops().size(); ++k) {
      const nn::QOp& q = setup_.net.ops[setup_.net.accel_ops()[k]];
      runs.push_back({&values[size_t(q.inputs[0])], &accumulators[k], &values[size_t(q.output)]});
    }
    it = golden_runs_.emplace(image, std::move(runs)).first;
  }
  return it->second;
}

void InjectionRunner::start_clean() {
  engine_.harness().reset();
  engine_.harness().scrub();
  engine_.reset_pass_count();
}

Timeline InjectionRunner::probe() {
  const int image = setup_.config.images.front();
  start_clean();
  const auto values = setup_.net.run(setup_.net.quantize_image(setup_.test.image(size_t(image))), engine_);
  if (!(values[setup_.net.output_value] == golden(image)[setup_.net.output_value]))
    throw std::runtime_error("fault-free RTL run of test image " + std::to_string(image) +
                             " differs from the golden model: the RTL is not bit-exact");
  Timeline t;
  t.pass_cycles = engine_.pass_cycles();
  t.pass_layer = engine_.pass_layers();
  return t;
}

void InjectionRunner::run_fault_free(int image) {
  start_clean();
  setup_.net.run(setup_.net.quantize_image(setup_.test.image(size_t(image))), engine_);
}

InjectionRecord InjectionRunner::run(const Injection& inj, CampaignEngine engine) {
  FaultyRun run;
  return simulate(inj, engine == CampaignEngine::kHybrid ? hybrid_route(inj) : Route::kFull, &run);
}

EngineComparison InjectionRunner::compare_engines(const Injection& inj) {
  EngineComparison c;
  const Route route = hybrid_route(inj);
  c.hybrid_ran = route != Route::kFull;
  FaultyRun full, hybrid;
  c.full = simulate(inj, Route::kFull, &full);
  c.hybrid = simulate(inj, route, &hybrid);
  c.same_values = full.hung == hybrid.hung && full.values == hybrid.values;
  return c;
}

std::optional<InjectionRunner::Route> InjectionRunner::software_route(const Injection& inj) const {
  // Bit-error rates run on the architectural model, which decodes coded words as the RTL does and clips as the PPU
  // does (the rest of a protection cannot act on SRAM flips). The hybrid engine's RTL windows carry protection in
  // their state (hybrid_engine.h).
  if (inj.model == FaultModel::kSramBer) return Route::kArchitectural;
  if (inj.has_site && inj.pass >= 0 && inj.pass < schedule_.passes() &&
      proves_hang(inj, *setup_.map, schedule_.layer_plan(schedule_.layer_of_pass(inj.pass)),
                  schedule_.layer_pass(inj.pass), engine_.config().watchdog_cycles))
    return Route::kProvenHang;
  if (CarriedUpset::of(inj, *setup_.map, schedule_)) return Route::kRegister;
  return std::nullopt;
}

InjectionRunner::Route InjectionRunner::hybrid_route(const Injection& inj) {
  if (const std::optional<Route> route = software_route(inj)) return *route;
  return hybrid_runs(inj, trajectory(inj.image)) ? Route::kHybrid : Route::kFull;
}

bool InjectionRunner::needs_rtl(const Injection& inj, CampaignEngine engine) const {
  return engine == CampaignEngine::kFull || !software_route(inj);
}

InjectionRecord InjectionRunner::simulate(const Injection& inj, Route route, FaultyRun* run) {
  // Counted after the image's checkpoints exist: recording them is shared by every injection on the image.
  const uint64_t start = engine_.harness().cycle();
  switch (route) {
    case Route::kFull: *run = run_full(inj); break;
    case Route::kHybrid: *run = run_hybrid(inj, trajectory(inj.image)); break;
    case Route::kArchitectural: *run = run_architectural(inj); break;
    case Route::kRegister: *run = run_register(inj); break;
    case Route::kProvenHang: *run = proven_hang(inj); break;
  }
  return record(inj, *run, engine_.harness().cycle() - start);
}

const FeatureMap* InjectionRunner::golden_layer(int image, const std::string& layer, const FeatureMap& input) {
  return known_golden_layers(setup_.net, golden(image))(layer, input);
}

InjectionRecord InjectionRunner::record(const Injection& inj, const FaultyRun& run, uint64_t cycles) {
  const SiteMap& map = *setup_.map;
  InjectionRecord r;
  r.id = inj.id;
  r.image = inj.image;
  r.label = setup_.test.labels[size_t(inj.image)];
  r.fault_model = fault_model_name(inj.model);
  r.pass = inj.pass;
  r.cycle = inj.cycle;
  r.mask = inj.mask;
  if (inj.has_site) {
    r.site_id = int64_t(inj.site.id);
    r.site = map.name(inj.site);
    r.site_class = site_class_name(inj.site.cls);
    r.row = inj.site.row;
    r.col = inj.site.col;
    r.bit = inj.site.bit;
  } else {
    r.site = "sram_ber";
    r.site_class = "sram_ber";
  }
  r.cycles_simulated = cycles;
  r.flips = run.flips;
  r.layer = inj.pass < int(run.layers.size()) ? run.layers[size_t(inj.pass)] : "";
  const Classification c = classify(setup_.net, golden(inj.image), run.hung ? nullptr : &run.values,
                                    run.layers.empty() ? "" : run.layers.back());
  r.outcome = protected_outcome(c.outcome, run.protection, setup_.config.network.accel.protection);
  r.masked_at = c.masked_at == MaskingStage::kInsideAccelerator
                    ? accelerator_masking_stage(setup_.net, setup_.config.network.accel, schedule_,
                                                golden_accumulators(inj.image), run.observed)
                    : c.masked_at;
  r.first_diff = c.first_diff;
  r.max_logit_dev = c.max_logit_dev;
  r.golden_top1 = c.golden_top1;
  r.faulty_top1 = c.faulty_top1;
  return r;
}

InjectionRunner::FaultyRun InjectionRunner::run_full(const Injection& inj) {
  const SiteMap& map = *setup_.map;
  Harness& harness = engine_.harness();
  start_clean();
  FaultyRun run;
  // From the pass the fault starts in, record every row the PPU requantizes (masking analysis).
  const int first_observed = inj.hold == 0 || inj.model == FaultModel::kSramBer ? 0 : inj.pass;
  int current_pass = -1;
  Monitor::CycleHooks::Subscription observing;
  const RtlEngine::PassHooks::Subscription injecting =
      engine_.add_pass_hook([&](int pass, PassStage stage, HostPort& port) {
        run.flips += harness.injector().apply(inj, map, pass, stage, port);
        if (stage == PassStage::kBegin) current_pass = pass;
        if (stage == PassStage::kBegin && pass == first_observed)
          observing = harness.monitor().add_cycle_hook([&] {
            if (ppu_.valid()) run.observed[{current_pass, ppu_.addr()}] = ppu_.acc();
          });
      });
  try {
    run.values = setup_.net.run(setup_.net.quantize_image(setup_.test.image(size_t(inj.image))), engine_);
  } catch (const HangError&) {
    run.hung = true;
  }
  harness.injector().clear();
  run.layers = engine_.pass_layers();
  run.protection = engine_.protection_events();
  return run;
}

InjectionRunner::FaultyRun InjectionRunner::run_hybrid(const Injection& inj, const GoldenTrajectory& trajectory) {
  Harness& harness = engine_.harness();
  // Layers the fault has not reached see their golden input: their golden output is known.
  HybridEngine hybrid(engine_, *setup_.map, *layout_, trajectory, inj,
                      [&](const std::string& layer, const FeatureMap& input) {
                        return golden_layer(inj.image, layer, input);
                      });
  FaultyRun run;
  // Only the RTL windows simulate cycles; outside them every PPU row is the golden one.
  const Monitor::CycleHooks::Subscription observing = harness.monitor().add_cycle_hook([&] {
    if (!hybrid.outputs_stale() && ppu_.valid()) run.observed[{hybrid.current_pass(), ppu_.addr()}] = ppu_.acc();
  });
  try {
    run.values = setup_.net.run(setup_.net.quantize_image(setup_.test.image(size_t(inj.image))), hybrid);
  } catch (const HangError&) {
    run.hung = true;
  }
  harness.injector().clear();
  run.flips = hybrid.flips();
  run.layers = hybrid.pass_layers();
  run.protection = hybrid.protection_events();
  for (int pass : hybrid.golden_reruns())
    for (auto it = run.observed.begin(); it != run.observed.end();)
      it = it->first.first == pass ? run.observed.erase(it) : std::next(it);
  // Rows the uninterrupted run rewrites after the state became golden end as the golden rows.
  if (const auto at = hybrid.converged_at(); at && size_t(at->first) < trajectory.row_writes.size()) {
    const std::map<uint32_t, uint64_t>& writes = trajectory.row_writes[size_t(at->first)];
    for (auto it = run.observed.lower_bound({at->first, 0}); it != run.observed.end() && it->first.first == at->first;) {
      const auto w = writes.find(it->first.second);
      it = w != writes.end() && w->second > at->second ? run.observed.erase(it) : std::next(it);
    }
  }
  return run;
}

InjectionRunner::FaultyRun InjectionRunner::run_architectural(const Injection& inj) {
  FaultyRun run;
  BerArchEngine arch(
      arch_model_, *setup_.map, inj,
      [&](const std::string& layer, const FeatureMap& input) { return golden_layer(inj.image, layer, input); },
      &run.observed, &golden_runs(inj.image));
  run.values = setup_.net.run(setup_.net.quantize_image(setup_.test.image(size_t(inj.image))), arch);
  run.flips = arch.flips();
  run.layers = arch.pass_layers();
  run.protection = arch.protection_events();
  return run;
}

InjectionRunner::FaultyRun InjectionRunner::run_register(const Injection& inj) {
  FaultyRun run;
  const std::optional<CarriedUpset> carried = CarriedUpset::of(inj, *setup_.map, schedule_);
  if (!carried) throw std::logic_error("register route: injection " + std::to_string(inj.id) + " needs the RTL");
  run.flips = __builtin_popcountll(inj.mask);
  const std::vector<FeatureMap>& golden_values = golden(inj.image);
  // An upset that is not permanent changes its own pass only, whose layer reads its golden input: its changes are
  // known before the network runs. Most (a buffer word the pass does not read, a register between its live cycles)
  // are none: the run is then the golden one, with no network to run.
  std::vector<model::LaneChange> upset_changes;
  if (!carried->every_pass()) {
    const size_t upset_op = setup_.net.accel_ops()[size_t(schedule_.layer_of_pass(carried->pass()))];
    upset_changes = carried->lane_changes(carried->pass(), golden_values[size_t(setup_.net.ops[upset_op].inputs[0])]);
    if (upset_changes.empty()) {
      run.values = golden_values;
      run.layers = pass_layers_;
      return run;
    }
  }
  RegisterEngine reg(
      setup_.config.network.accel, schedule_,
      [&](int pass, const FeatureMap& input) {
        if (carried->every_pass()) return carried->lane_changes(pass, input);
        return pass == carried->pass() ? upset_changes : std::vector<model::LaneChange>{};
      },
      [&](const std::string& layer, const FeatureMap& input) { return golden_layer(inj.image, layer, input); },
      &run.observed, &golden_runs(inj.image));
  run.values = setup_.net.run(setup_.net.quantize_image(setup_.test.image(size_t(inj.image))), reg);
  run.layers = reg.pass_layers();
  return run;
}

InjectionRunner::FaultyRun InjectionRunner::proven_hang(const Injection& inj) const {
  FaultyRun run;
  run.hung = true;
  run.flips = __builtin_popcountll(inj.mask);
  run.layers.assign(pass_layers_.begin(), pass_layers_.begin() + inj.pass + 1);
  return run;
}

const GoldenTrajectory& InjectionRunner::trajectory(int image) {
  auto it = trajectories_.find(image);
  if (it != trajectories_.end()) return it->second;
  // Checkpoints take tens of MB per image: keep a bounded number (the oldest recorded goes first), and record
  // the next image's into their memory.
  while (!trajectory_order_.empty() && trajectories_.size() >= max_trajectories_) {
    const auto oldest = trajectories_.find(trajectory_order_.front());
    recycle_states(std::move(oldest->second), spare_states_);
    trajectories_.erase(oldest);
    trajectory_order_.erase(trajectory_order_.begin());
  }
  if (!layout_) {
    start_clean();
    layout_ = std::make_unique<StateLayout>(engine_.harness(), *setup_.map);
  }
  GoldenTrajectory t = record_trajectory(engine_, *setup_.map, ppu_, [&] {
    start_clean();
    setup_.net.run(setup_.net.quantize_image(setup_.test.image(size_t(image))), engine_);
  }, &spare_states_);
  trajectory_order_.push_back(image);
  return trajectories_.emplace(image, std::move(t)).first->second;
}

/// The fault-free timeline comes from the RTL itself, in a child: this process never starts SystemC (its
/// forked workers could not elaborate their own kernels if it had).
std::string probe_timeline(const CampaignSetup& setup) {
  std::string timeline_json, error;
  WorkerPool probe;
  probe.spawn([&](const WorkerPool::WriteLine& write_line) {
    InjectionRunner runner(setup, 0);
    write_line(runner.probe().to_json());
  });
  while (probe.pump(1000, [&](std::string_view line) {
    const auto j = nlohmann::json::parse(line);
    if (j.contains("error")) error = j["error"];
    else timeline_json = line;
  })) {
  }
  probe.reap();
  if (!error.empty() || timeline_json.empty())
    throw std::runtime_error("fault-free probe run failed: " + (error.empty() ? "no result" : error));
  return timeline_json;
}

}  // namespace flipsim
