#include "sim/campaign/hybrid_engine.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <set>

#include "rtl/fs_pkg.h"
#include "testbench/harness.h"
#include "testbench/layer_driver.h"
#include "testbench/random_layer.h"

namespace flipsim {

namespace {

bool is_checkpoint(uint64_t k) { return k == 1 || (k > 0 && k % kCheckpointInterval == 0); }

/// abuf, wbuf and bbuf: the host writes them before a pass, the controller only reads them during it.
bool read_only_in_pass(Buffer b) { return b == Buffer::kAbuf || b == Buffer::kWbuf || b == Buffer::kBbuf; }

/// Calls at(i) for every byte i (within the shorter) where two states differ.
template <class At>
void for_each_difference(const std::string& a, const std::string& b, At&& at) {
  constexpr size_t kBlock = 64;  // states are mostly equal: compare blocks, then the bytes of a differing one
  const size_t n = std::min(a.size(), b.size());
  for (size_t from = 0; from < n; from += kBlock) {
    const size_t len = std::min(kBlock, n - from);
    if (std::memcmp(a.data() + from, b.data() + from, len) == 0) continue;
    for (size_t i = from; i < from + len; ++i)
      if (a[i] != b[i]) at(i);
  }
}

/// The bytes where two states differ.
std::set<size_t> differences(const std::string& a, const std::string& b) {
  std::set<size_t> out;
  for_each_difference(a, b, [&](size_t i) { out.insert(i); });
  return out;
}

/// The one byte in `a` and not in `b`, or npos when there are none or several.
size_t only_in(const std::set<size_t>& a, const std::set<size_t>& b) {
  size_t at = std::string::npos;
  for (size_t i : a)
    if (!b.count(i)) {
      if (at != std::string::npos) return std::string::npos;
      at = i;
    }
  return at;
}

/// Sorted, with touching and overlapping ranges joined (fewer comparisons per state).
std::vector<std::pair<size_t, size_t>> joined(std::vector<std::pair<size_t, size_t>> ranges) {
  std::sort(ranges.begin(), ranges.end());
  std::vector<std::pair<size_t, size_t>> out;
  for (const auto& r : ranges)
    if (!out.empty() && r.first <= out.back().second + 1) out.back().second = std::max(out.back().second, r.second);
    else out.push_back(r);
  return out;
}

/// The bits of a saved state that hold data, byte by byte: every bit that differs at the same cycle between runs
/// of one pass from the idle `start`, under the same descriptor, on different operands and biases. The controller
/// steers a pass the same way whatever its data (a pass takes the same cycles on any data: the campaign's timeline
/// rests on that too), so what differs holds data: the datapath's registers and the buffers' read ports, which
/// every pass writes before it reads them (tests/rtl/rtl_layer_test.cpp), and the values the model keeps of the
/// logic between registers, which it recomputes from them.
std::map<size_t, char> data_bits(Harness& harness, const AccelConfig& config, const DutState& start) {
  std::mt19937_64 rng(1);
  const ConvShape shape = gemm_shape(2 * config.rows, 2 * config.rows, config.cols);
  // Runs `layer` on random input from the idle start and calls `sample(i, state)` at every third busy cycle
  // (the i-th such; a state is a hundred kilobytes).
  const auto run = [&](const ConvLayer& layer, const std::function<void(size_t, const std::string&)>& sample) {
    const LayerPlan plan = plan_layer(shape.in_h, shape.in_w, layer, config);
    const FeatureMap input =
        random_map(shape.in_h, shape.in_w, shape.in_channels, config.data_bits, ValueMix::kUniform, rng);
    size_t cycle = 0;
    harness.run([&](HostPort& port) {
      harness.driver().wait_settled();
      harness.restore_state(start);
      Monitor::CycleHooks::Subscription sampling;
      run_pass(port, input, layer, plan, plan.passes.front(), config, [&](PassStage stage, HostPort&) {
        if (stage == PassStage::kStarted)
          sampling = harness.monitor().add_settled_hook([&] {
            const size_t c = cycle++;
            if (c % 3 == 0) sample(c / 3, harness.save_state().model);
          });
      });
    });
    return cycle;
  };
  // Descriptor by descriptor (which bits of a product vary depends on the multiplier, say), two data sets each.
  constexpr int kDescriptors = 3, kDataSets = 2;
  std::string varying;  // per byte of the state, the bits seen to differ
  for (int d = 0; d < kDescriptors; ++d) {
    ConvLayer first = random_conv(shape, config.data_bits, ValueMix::kUniform, rng);
    // Every bit of the multiplier in play (a scale's multiplier can end in zeros, and so would every product).
    first.requant.multiplier = int32_t((uint32_t(first.requant.multiplier) & ~0xfffffu) | (rng() & 0xfffffu) | 1u);
    std::vector<std::string> reference;
    const size_t cycles = run(first, [&](size_t, const std::string& state) { reference.push_back(state); });
    for (int set = 1; set < kDataSets; ++set) {
      ConvLayer layer = random_conv(shape, config.data_bits, ValueMix::kUniform, rng);
      layer.requant = first.requant;
      const size_t again = run(layer, [&](size_t i, const std::string& state) {
        if (i >= reference.size()) return;
        // Into one buffer: byte by byte into a set and a map cost the calibration more than its simulation (a few
        // thousand bytes differ at each of hundreds of sampled cycles).
        const std::string& ref = reference[i];
        varying.resize(std::max(varying.size(), state.size()), '\0');
        for_each_difference(ref, state, [&](size_t at) { varying[at] = char(varying[at] | (ref[at] ^ state[at])); });
      });
      if (again != cycles) throw std::runtime_error("hybrid engine: a pass took different cycles on different data");
    }
  }
  std::map<size_t, char> data;
  for (size_t at = 0; at < varying.size(); ++at)
    if (varying[at]) data.emplace(at, varying[at]);
  return data;
}

}  // namespace

StateLayout::StateLayout(Harness& harness, const SiteMap& map) {
  DutState start;
  harness.run([&](HostPort&) {
    harness.driver().wait_settled();
    start = harness.save_state();
  });
  // The state three cycles on from the idle start, with `upset` scheduled at the first cycle: the bytes it changes
  // against a run with a pulse of nothing on the same port (the idle DUT's counters move the same in both).
  const auto after = [&](const std::function<void(FaultInjector&)>& upset) {
    DutState s;
    harness.run([&](HostPort& port) {
      harness.driver().wait_settled();
      harness.restore_state(start);
      upset(harness.injector());
      port.clock(3);
      harness.driver().wait_settled();
      s = harness.save_state();
    });
    return s.model;
  };
  const auto sram_flip = [&](const SramFault& f) {
    return after([&](FaultInjector& injector) { injector.schedule_sram({f}, 0); });
  };
  const auto ff_flip = [&](const FfFault& f) {
    return after([&](FaultInjector& injector) { injector.schedule_ff(f, 0, 1); });
  };
  // A flip of nothing in the plain run too: any pulse on the port ends the assertions' fault-free window.
  const std::string plain = sram_flip(SramFault{0, 0, 0, 0});
  // Verilator keeps the last value and address a wide memory's fault write stored in the model, so a flip also
  // changes those bytes: a flipped word's own byte is the one that differs from the plain run and not where
  // the neighbouring word's flip differs (which changes the same write-back bytes, and a different stored byte).
  std::vector<std::pair<size_t, size_t>> sram;
  for (int b = 0; b < kNumBuffers; ++b) {
    const Buffer buffer = Buffer(b);
    const int last_lane = map.lanes(buffer) - 1;
    const uint64_t last_bit = uint64_t(1) << (map.physical_bits(buffer) - 1);
    const uint32_t last_word = uint32_t(map.depth(buffer) - 1);
    auto flipped = [&](uint32_t word, int lane, uint64_t mask) {
      return differences(plain, sram_flip(SramFault{b, word, lane, mask}));
    };
    const size_t first = only_in(flipped(0, 0, 1), flipped(1, 0, 1));
    const size_t last = only_in(flipped(last_word, last_lane, last_bit), flipped(last_word - 1, last_lane, last_bit));
    if (first == std::string::npos || last == std::string::npos || last < first)
      throw std::runtime_error(std::string("hybrid engine: cannot locate ") + buffer_name(buffer) +
                               " in the DUT's saved state");
    sram.emplace_back(first, last);
  }
  if (map.config().protectable) {
    // Each flag set by a flip of its register while idle (it holds itself: sticky until the next start),
    // against a flip of nothing through the same port.
    const std::string unflipped = ff_flip(FfFault{fs_pkg::GroupHost + fs_pkg::HostDetectedOffset, 0, 0, 0, 0});
    // Verilator may keep a copy of a register's value beside it (its next value, say): a flag is every byte the
    // flip sets.
    auto locate = [&](uint32_t group) {
      const std::string set = ff_flip(FfFault{group, 1, 0, 0, 0});
      std::vector<FlagBit> bits;
      for (size_t at : differences(unflipped, set)) bits.push_back(FlagBit{at, char(unflipped[at] ^ set[at])});
      if (bits.empty()) throw std::runtime_error("hybrid engine: cannot locate a status flag in the DUT's state");
      return bits;
    };
    detected_ = locate(fs_pkg::GroupHost + fs_pkg::HostDetectedOffset);
    corrected_ = locate(fs_pkg::GroupHost + fs_pkg::HostCorrectedOffset);
  }
  // The cycle counter: every byte that inverting each copy of it changes, against a flip of nothing, but for the
  // status flags a protectable design's voter sets when one copy differs. Where a voter restores the flipped copy
  // (triplicated host registers) it cannot be found this way and is compared like any register.
  const auto holds_flag = [&](size_t at) {
    for (const std::vector<FlagBit>* flags : {&detected_, &corrected_})
      for (const FlagBit& bit : *flags)
        if (bit.byte == at) return true;
    return false;
  };
  const auto counter_bytes = [&](uint32_t offset) {
    const uint32_t group = fs_pkg::GroupHost + offset;
    const std::string counting = ff_flip(FfFault{group, 0, 0, 0, 0});
    std::vector<std::pair<size_t, size_t>> bytes;
    for (const FfGroup& g : map.ff_groups()) {
      if (g.group != group) continue;
      const uint64_t all = low_bits(g.width);
      for (size_t at : differences(counting, ff_flip(FfFault{group, all, 0, 0, g.replica})))
        if (!holds_flag(at)) bytes.emplace_back(at, at);
    }
    std::sort(bytes.begin(), bytes.end());
    bytes.erase(std::unique(bytes.begin(), bytes.end()), bytes.end());
    return bytes;
  };
  counter_ = counter_bytes(fs_pkg::HostCyclesOffset);
  if (counter_.empty() && !map.config().protectable)
    throw std::runtime_error("hybrid engine: cannot locate the cycle counter in the DUT's state");
  counters_ = counter_;
  for (const auto& at : counter_bytes(fs_pkg::HostLayerCyclesOffset)) counters_.push_back(at);
  std::sort(counters_.begin(), counters_.end());
  // What steers: all but the buffers' words, the counters and the bits that hold data, bit by bit (a register may
  // pack data with a bit that steers: an array edge's stage holds its valid bit beside its value). A protectable
  // design's copies, voters and decoders are compared like any register.
  steering_ = sram;
  steering_.insert(steering_.end(), counters_.begin(), counters_.end());
  if (!map.config().protectable) {
    const std::map<size_t, char> data = data_bits(harness, map.config(), start);
    const auto stored = [&](size_t at) {
      return std::any_of(sram.begin(), sram.end(), [&](const auto& r) { return at >= r.first && at <= r.second; });
    };
    for (const auto& [at, bits] : data) {
      if (stored(at)) continue;
      steering_.emplace_back(at, at);
      if (bits != char(0xff)) partial_.push_back(DataBits{at, bits});
    }
  }
  steering_ = joined(steering_);
  harness.injector().clear();
}

std::optional<StateLayout::StatusFlags> StateLayout::golden_but_status(const DutState& faulty,
                                                                      const DutState& golden) const {
  if (detected_.empty() || corrected_.empty() || faulty.model.size() != golden.model.size()) return std::nullopt;
  DutState cleared = faulty;
  StatusFlags flags;
  for (auto [flag, set] : {std::pair{&detected_, &flags.detected}, std::pair{&corrected_, &flags.corrected}}) {
    *set = true;
    for (const FlagBit& bit : *flag)
      *set = *set && (faulty.model[bit.byte] & bit.mask) != 0 && (golden.model[bit.byte] & bit.mask) == 0;
    if (*set)
      for (const FlagBit& bit : *flag) cleared.model[bit.byte] = char(cleared.model[bit.byte] & ~bit.mask);
  }
  if (!same_state(cleared, golden)) return std::nullopt;
  return flags;
}

bool StateLayout::same_outside(const DutState& a, const DutState& b,
                               const std::vector<std::pair<size_t, size_t>>& skip) {
  if (a.model.size() != b.model.size()) return false;
  size_t from = 0;
  for (const auto& [first, last] : skip) {
    if (first > from && a.model.compare(from, first - from, b.model, from, first - from) != 0) return false;
    from = std::max(from, last + 1);
  }
  return a.model.compare(from, std::string::npos, b.model, from, std::string::npos) == 0 && a.rst_n == b.rst_n &&
         a.req_valid == b.req_valid && a.req_write == b.req_write && a.req_addr == b.req_addr &&
         a.req_wdata == b.req_wdata;
}

bool StateLayout::same_state(const DutState& a, const DutState& b) const { return same_outside(a, b, counter_); }

bool StateLayout::same_but_counters(const DutState& a, const DutState& b) const {
  return same_outside(a, b, counters_);
}

bool StateLayout::same_steering(const DutState& a, const DutState& b) const {
  if (!same_outside(a, b, steering_)) return false;
  for (const DataBits& d : partial_)
    if ((a.model[d.byte] ^ b.model[d.byte]) & ~d.ignored) return false;
  return true;
}

GoldenTrajectory record_trajectory(RtlEngine& engine, const SiteMap& map, const PpuObserver& ppu,
                                   const std::function<void()>& run_image, std::vector<DutState>* spare) {
  Harness& harness = engine.harness();
  const auto save = [&] {
    DutState state;
    if (spare && !spare->empty()) {
      state = std::move(spare->back());
      spare->pop_back();
    }
    harness.save_state(state);
    return state;
  };
  GoldenTrajectory t;
  int pass = -1;
  bool recording = false;
  uint64_t k = 0;
  const auto passes = engine.add_pass_hook([&](int index, PassStage stage, HostPort&) {
    if (stage == PassStage::kBegin && index == 0) {
      // A fault-port pulse that changes nothing: it ends the assertions' fault-free window (fs_assert.svh) as an
      // injection does, so the faulty runs' state can equal these checkpoints bit for bit; and every buffer's
      // settling write, which a faulty run repeats after an SRAM flip.
      harness.injector().schedule_ff(FfFault{}, 0, 1);
      std::vector<SramFault> settle;
      for (int b = 0; b < kNumBuffers; ++b) settle.push_back(settling_sram_write(Buffer(b), map));
      harness.injector().schedule_sram(settle, 0);
    }
    if (stage != PassStage::kStarted) return;
    pass = index;
    k = 0;
    recording = true;
    if (t.checkpoints.size() <= size_t(pass)) t.checkpoints.resize(size_t(pass) + 1);
    if (t.ends.size() <= size_t(pass)) t.ends.resize(size_t(pass) + 1);
    if (t.row_writes.size() <= size_t(pass)) t.row_writes.resize(size_t(pass) + 1);
  });
  // The PPU's taps are registers: what they hold at the settled moment they held at the falling edge before it,
  // so the row writes are read here, without asking for a falling edge every cycle.
  const auto settled = harness.monitor().add_settled_hook([&] {
    if (!recording) return;
    if (ppu.valid()) t.row_writes[size_t(pass)][ppu.addr()] = k;
    if (k >= 1 && !harness.signals().busy.read()) {
      t.ends[size_t(pass)] = {k, save()};
      recording = false;
      return;
    }
    if (is_checkpoint(k)) t.checkpoints[size_t(pass)].emplace(k, save());
    ++k;
  });
  run_image();
  return t;
}

void recycle_states(GoldenTrajectory&& trajectory, std::vector<DutState>& spare) {
  for (auto& pass : trajectory.checkpoints)
    for (auto& [k, state] : pass) spare.push_back(std::move(state));
  for (auto& [k, state] : trajectory.ends) spare.push_back(std::move(state));
}

bool hybrid_runs(const Injection& inj, const GoldenTrajectory& t) {
  if (!inj.has_site || inj.hold == 0) return false;
  if (inj.pass < 0 || size_t(inj.pass) >= t.checkpoints.size() || inj.offset < 2) return false;
  const auto& cps = t.checkpoints[size_t(inj.pass)];
  return !cps.empty() && cps.begin()->first < inj.offset;
}

HybridEngine::HybridEngine(RtlEngine& rtl, const SiteMap& map, const StateLayout& layout,
                           const GoldenTrajectory& trajectory, const Injection& injection, GoldenLayer golden_layer)
    : rtl_(rtl),
      map_(map),
      layout_(layout),
      trajectory_(trajectory),
      injection_(injection),
      golden_layer_(std::move(golden_layer)) {}

FeatureMap HybridEngine::run(const FeatureMap& input, const ConvLayer& layer, LayerRun* run) {
  const AccelConfig& config = rtl_.config();
  const LayerPlan plan = plan_layer(input.height, input.width, layer, config);
  // The golden model's output for this input; passes the RTL finishes overwrite their part of it.
  FeatureMap output = golden_output(golden_layer_(layer.name, input), config, layer, input);
  for (const LayerPass& pass : plan.passes) {
    const int index = passes_++;
    pass_layers_.push_back(layer.name);
    if (golden_again_ || index < injection_.pass) continue;
    if (index == injection_.pass && flips_unread_word(plan, pass)) {
      // Masked without a cycle of RTL: its outputs, registers and everything later are the golden run's.
      flips_ += __builtin_popcountll(injection_.mask);
      golden_again_ = true;
      continue;
    }
    current_pass_ = index;
    PassRun r = index == injection_.pass ? restore_and_run(index, pass)
                                         : run_on_rtl(index, input, layer, plan, pass, config);
    if (index == injection_.pass && !r.hung && !r.converged && r.detected && config.protection.recomputes()) {
      // The host reruns the pass from its loads, as run_pass does, with one retry spent.
      AccelConfig retries_left = config;
      --retries_left.protection.max_retries;
      const bool corrected = r.corrected;
      r = run_on_rtl(index, input, layer, plan, pass, retries_left);
      r.recomputes += 1;
      r.corrected = r.corrected || corrected;
    }
    if (r.hung) {
      rtl_.harness().injector().clear();
      rtl_.harness().reset();
      throw HangError("layer '" + layer.name + "' did not finish within " + std::to_string(config.watchdog_cycles) +
                      " cycles");
    }
    events_.recomputes += r.recomputes;
    if (r.converged) {
      golden_again_ = true;
      continue;
    }
    events_.detected_passes += r.detected ? 1 : 0;
    events_.corrected_passes += r.corrected ? 1 : 0;
    scatter_obuf(r.obuf, plan, pass, config, output);
    // Steering golden at the pass's end: every later pass reloads what it reads (the host driver's buffer images)
    // and overwrites its datapath registers before it uses them, so from here the golden model computes exactly
    // what the RTL would.
    if (outputs_only_) golden_again_ = true;
  }
  if (run) run->macs = layer.macs(input.height, input.width);
  return output;
}

bool HybridEngine::flips_unread_word(const LayerPlan& plan, const LayerPass& pass) const {
  if (!injection_.site.sram || !read_only_in_pass(injection_.site.buffer)) return false;
  // The host writes each pass's words of these buffers from address 0 and the controller reads no others
  // (tests/rtl/rtl_layer_test.cpp: garbage in every word at every pass changes no output). Nothing writes
  // them while the pass runs, so a flip beyond the pass's words is never read before the host overwrites it.
  const PassWords words = pass_words(plan, pass, rtl_.config());
  return size_t(injection_.site.word) >= loaded_words(words, injection_.site.buffer);
}

void HybridEngine::check_golden(int index, uint64_t k) {
  // Not before the fault has come and gone: its last cycle is offset + hold - 1, and a long hold runs on into
  // the next passes while the port still carries it.
  Harness& harness = rtl_.harness();
  if (index == injection_.pass && k < injection_.offset + injection_.hold) return;
  if (harness.injector().driving()) return;
  if (golden_again_ || outputs_only_) return;
  const bool recorded = size_t(index) < trajectory_.checkpoints.size();
  const bool busy = harness.signals().busy.read();
  if (recorded && !end_checked_ && k >= 1 && !busy) {
    end_checked_ = true;
    // Whenever it ended: a corrupted loop count may have made the pass shorter or longer.
    if (layout_.same_steering(harness.save_state(), trajectory_.ends[size_t(index)].second)) outputs_only_ = true;
    return;
  }
  // A flipped bit of a buffer the controller only reads stays in the state until the host reloads the word
  // after the pass: the whole state cannot be golden before, so do not pay for the comparison.
  if (index == injection_.pass && injection_.site.sram && read_only_in_pass(injection_.site.buffer)) return;
  if (!is_checkpoint(k)) return;
  DutState now = harness.save_state();
  if (busy && stalled(index, now)) {
    stalled_ = true;
    harness.driver().abort_job();
    return;
  }
  if (!recorded) return;
  const auto& cps = trajectory_.checkpoints[size_t(index)];
  const auto it = cps.find(k);
  if (it == cps.end()) return;
  // A later pass that starts with golden steering (the host has rewritten a corrupted descriptor, say; whatever
  // data the faulty passes left in registers and read ports it overwrites before it uses them) is the golden
  // controller's on what the host loaded, which reads no word the host did not load this pass: the golden model's
  // output for the pass's input, and so on for every pass after it.
  const bool starts_golden = k == 1 && index != injection_.pass && layout_.same_steering(now, it->second);
  if (!starts_golden && !layout_.same_state(now, it->second)) {
    // Golden but for the protection's sticky flags: the rest of the pass is the golden run's, and the host's
    // reading of the flags at its end is known (run_pass): a correction is counted, a detection flagged, or
    // the pass recomputed from golden loads, which clears the flag and changes nothing else.
    const auto flags = layout_.golden_but_status(now, it->second);
    if (!flags) return;
    const bool recompute = flags->detected && rtl_.config().protection.recomputes();
    events_.recomputes += recompute ? 1 : 0;
    if (recompute) golden_reruns_.push_back(index);
    events_.detected_passes += flags->detected && !recompute ? 1 : 0;
    events_.corrected_passes += flags->corrected ? 1 : 0;
  }
  golden_again_ = true;
  converged_at_ = {index, k};
  harness.driver().abort_job();
}

bool HybridEngine::stalled(int index, const DutState& now) {
  // While a pass runs the host only waits for busy to fall, so the DUT's inputs stay as they are: a busy state
  // that, but for the cycle counters (which nothing but the host's reads sees), is the one of a checkpoint
  // interval earlier goes round the same states for ever and never finishes, however long the watchdog.
  const bool same = last_busy_ && last_busy_->first == index && layout_.same_but_counters(now, last_busy_->second);
  last_busy_ = {index, now};
  return same;
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
  end_checked_ = false;
  Monitor::CycleHooks::Subscription checking;
  try {
    harness.run([&](HostPort& port) {
      HostDriver& driver = harness.driver();
      driver.wait_settled();
      outputs_stale_ = true;
      harness.restore_state(from->second);
      // Where the uninterrupted run accepted the pass's start: checkpoint c is (c + 3/4) periods after it.
      const sc_core::sc_time period = harness.signals().clk.period();
      const sc_core::sc_time started = sc_core::sc_time_stamp() - period * (double(c) + 0.75);
      flips_ += harness.injector().arm_site_at(injection_, map_, started + period * (double(injection_.offset) + 0.5));
      checking = harness.monitor().add_settled_hook([&] { check_golden(index, k++); });
      // The DUT's outputs are right again after its evaluation at the next rising edge: until then they show the
      // previous run's last values (a PPU row of another image, say), which observers must not take.
      port.clock(1);
      outputs_stale_ = false;
      port.clock(1);
      if (!driver.wait_idle_until(started + period * double(1 + config.watchdog_cycles))) {
        r.hung = true;
        return;
      }
      PassResult result = collect_pass(port, pass, config);
      r.hung = result.hung;
      r.obuf = std::move(result.obuf);
      r.detected = result.detected;
      r.corrected = result.corrected;
    });
  } catch (const JobAborted&) {
    (stalled_ ? r.hung : r.converged) = true;
  }
  checking.reset();
  // A pass that ended normally leaves the fault scheduled: a long hold goes on into the next passes, which run
  // on in the same simulated time, as in the uninterrupted run.
  if (r.converged) realign();
  return r;
}

HybridEngine::PassRun HybridEngine::run_on_rtl(int index, const FeatureMap& input, const ConvLayer& layer,
                                               const LayerPlan& plan, const LayerPass& pass,
                                               const AccelConfig& config) {
  Harness& harness = rtl_.harness();
  PassRun r;
  uint64_t k = 0;
  end_checked_ = false;
  Monitor::CycleHooks::Subscription checking;
  try {
    harness.run([&](HostPort& port) {
      const PassResult result = run_pass(port, input, layer, plan, pass, config, [&](PassStage stage, HostPort&) {
        if (stage == PassStage::kStarted)
          checking = harness.monitor().add_settled_hook([&] { check_golden(index, k++); });
      });
      r.hung = result.hung;
      r.obuf = result.obuf;
      r.detected = result.detected;
      r.corrected = result.corrected;
      r.recomputes = result.recomputes;
    });
  } catch (const JobAborted&) {
    (stalled_ ? r.hung : r.converged) = true;
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
