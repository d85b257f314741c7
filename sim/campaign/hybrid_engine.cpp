#include "sim/campaign/hybrid_engine.h"

#include "model/accel/golden.h"
#include "testbench/harness.h"
#include "testbench/layer_driver.h"

namespace flipsim {

namespace {

bool is_checkpoint(uint64_t k) { return k == 1 || (k > 0 && k % kCheckpointInterval == 0); }

}  // namespace

size_t GoldenTrajectory::bytes() const {
  size_t n = 0;
  for (const auto& pass : checkpoints)
    for (const auto& [k, state] : pass) n += state.model.size();
  return n;
}

GoldenTrajectory record_trajectory(RtlEngine& engine, const std::function<void()>& run_image) {
  Harness& harness = engine.harness();
  GoldenTrajectory t;
  int pass = -1;
  bool recording = false;
  uint64_t k = 0;
  const auto passes = engine.add_pass_hook([&](int index, PassStage stage, HostPort&) {
    if (stage == PassStage::kBegin && index == 0) {
      // A fault-port pulse that changes nothing: it ends the assertions' fault-free window (fs_assert.svh) as an
      // injection does, so the faulty runs' state can equal these checkpoints bit for bit.
      harness.injector().schedule_ff(FfFault{}, 0, 1);
    }
    if (stage != PassStage::kStarted) return;
    pass = index;
    k = 0;
    recording = true;
    if (t.checkpoints.size() <= size_t(pass)) t.checkpoints.resize(size_t(pass) + 1);
  });
  const auto settled = harness.monitor().add_settled_hook([&] {
    if (!recording) return;
    if (k >= 1 && !harness.signals().busy.read()) {
      recording = false;
      return;
    }
    if (is_checkpoint(k)) t.checkpoints[size_t(pass)].emplace(k, harness.save_state());
    ++k;
  });
  run_image();
  return t;
}

bool hybrid_runs(const Injection& inj, const GoldenTrajectory& t) {
  if (!inj.has_site || inj.hold == 0 || inj.model == FaultModel::kSramBer) return false;
  if (inj.pass < 0 || size_t(inj.pass) >= t.checkpoints.size() || inj.offset < 2) return false;
  const auto& cps = t.checkpoints[size_t(inj.pass)];
  return !cps.empty() && cps.begin()->first < inj.offset;
}

HybridEngine::HybridEngine(RtlEngine& rtl, const SiteMap& map, const GoldenTrajectory& trajectory,
                           const Injection& injection, GoldenLayer golden_layer)
    : rtl_(rtl), map_(map), trajectory_(trajectory), injection_(injection), golden_layer_(std::move(golden_layer)) {}

FeatureMap HybridEngine::run(const FeatureMap& input, const ConvLayer& layer, LayerRun* run) {
  const AccelConfig& config = rtl_.config();
  const LayerPlan plan = plan_layer(input.height, input.width, layer, config);
  // The golden model's output for this input; passes the RTL finishes overwrite their part of it.
  FeatureMap output;
  if (const FeatureMap* golden = golden_layer_(layer.name, input)) {
    output = *golden;
  } else {
    output = GoldenEngine(config).run(input, layer);
  }
  for (const LayerPass& pass : plan.passes) {
    const int index = passes_++;
    pass_layers_.push_back(layer.name);
    if (golden_again_ || index < injection_.pass) continue;
    current_pass_ = index;
    const PassRun r = index == injection_.pass ? restore_and_run(index, pass)
                                               : run_on_rtl(index, input, layer, plan, pass);
    if (r.hung) {
      rtl_.harness().injector().clear();
      rtl_.harness().reset();
      throw HangError("layer '" + layer.name + "' did not finish within " + std::to_string(config.watchdog_cycles) +
                      " cycles");
    }
    if (r.converged) {
      golden_again_ = true;
      continue;
    }
    scatter_obuf(r.obuf, plan, pass, config, output);
  }
  if (run) run->macs = layer.macs(input.height, input.width);
  return output;
}

void HybridEngine::check_golden(int index, uint64_t k) {
  // Not while the fault is still on the port (its last cycle is offset + hold - 1).
  if (index == injection_.pass && k < injection_.offset + injection_.hold) return;
  if (golden_again_ || size_t(index) >= trajectory_.checkpoints.size()) return;
  const auto& cps = trajectory_.checkpoints[size_t(index)];
  const auto it = cps.find(k);
  if (it == cps.end()) return;
  Harness& harness = rtl_.harness();
  if (harness.save_state() != it->second) return;
  golden_again_ = true;
  harness.driver().abort_job();
}

HybridEngine::PassRun HybridEngine::restore_and_run(int index, const LayerPass& pass) {
  Harness& harness = rtl_.harness();
  const AccelConfig& config = rtl_.config();
  const auto& cps = trajectory_.checkpoints[size_t(index)];
  const auto from = std::prev(cps.lower_bound(injection_.offset));  // the last checkpoint before the fault
  const uint64_t c = from->first;
  harness.injector().clear();
  PassRun r;
  uint64_t k = c + 1;
  Monitor::CycleHooks::Subscription checking;
  try {
    harness.run([&](HostPort& port) {
      HostDriver& driver = harness.driver();
      driver.wait_settled();
      harness.restore_state(from->second);
      // Where the uninterrupted run accepted the pass's start: checkpoint c is (c + 3/4) periods after it.
      const sc_core::sc_time period = harness.signals().clk.period();
      const sc_core::sc_time started = sc_core::sc_time_stamp() - period * (double(c) + 0.75);
      flips_ += harness.injector().arm_site_at(injection_, map_, started + period * (double(injection_.offset) + 0.5));
      checking = harness.monitor().add_settled_hook([&] { check_golden(index, k++); });
      // The DUT's outputs are right again after its evaluation at the next rising edge.
      port.clock(2);
      if (!driver.wait_idle_until(started + period * double(1 + config.watchdog_cycles))) {
        r.hung = true;
        return;
      }
      PassResult result = collect_pass(port, pass, config);
      r.hung = result.hung;
      r.obuf = std::move(result.obuf);
    });
  } catch (const JobAborted&) {
    r.converged = true;
  }
  checking.reset();
  harness.injector().clear();
  if (r.converged) realign();
  return r;
}

HybridEngine::PassRun HybridEngine::run_on_rtl(int index, const FeatureMap& input, const ConvLayer& layer,
                                               const LayerPlan& plan, const LayerPass& pass) {
  Harness& harness = rtl_.harness();
  const AccelConfig& config = rtl_.config();
  PassRun r;
  uint64_t k = 0;
  Monitor::CycleHooks::Subscription checking;
  try {
    harness.run([&](HostPort& port) {
      const PassResult result = run_pass(port, input, layer, plan, pass, config, [&](PassStage stage, HostPort&) {
        if (stage == PassStage::kStarted)
          checking = harness.monitor().add_settled_hook([&] { check_golden(index, k++); });
      });
      r.hung = result.hung;
      r.obuf = result.obuf;
    });
  } catch (const JobAborted&) {
    r.converged = true;
  }
  checking.reset();
  if (r.converged) realign();
  return r;
}

void HybridEngine::realign() {
  // Every other job ends just after a rising edge; so must this one, or the cycle count of the next run would
  // depend on which run came before it.
  rtl_.harness().run([](HostPort& port) { port.clock(1); });
}

}  // namespace flipsim
