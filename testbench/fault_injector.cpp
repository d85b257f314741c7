#include "testbench/fault_injector.h"

#include <algorithm>

namespace flipsim {

namespace {

template <int N>
void put(sc_dt::sc_bv<N>& bv, int lsb, int width, uint64_t value) {
  for (int i = 0; i < width; ++i) bv[lsb + i] = bool((value >> i) & 1);
}

}  // namespace

// Bit positions are the packed structs' own (rtl/fs_pkg.sv, through the generated header).
sc_dt::sc_bv<kFfFaultBits> encode(const FfFault& f) {
  using T = fs_pkg::ff_fault_t;
  static_assert(
      T::flip_mask.width <= 64 && T::force_mask.width <= 64 && T::force_value.width <= 64 && T::group.width <= 32,
      "FfFault's fields must hold the port's");
  sc_dt::sc_bv<kFfFaultBits> bv;
  put(bv, T::force_value.lsb, T::force_value.width, f.force_value);
  put(bv, T::force_mask.lsb, T::force_mask.width, f.force_mask);
  put(bv, T::flip_mask.lsb, T::flip_mask.width, f.flip_mask);
  put(bv, T::group.lsb, T::group.width, f.group);
  put(bv, T::replica.lsb, T::replica.width, uint64_t(f.replica));
  put(bv, T::valid.lsb, T::valid.width, 1);
  return bv;
}

sc_dt::sc_bv<kSramFaultBits> encode(const SramFault& f) {
  using T = fs_pkg::sram_fault_t;
  static_assert(T::flip_mask.width <= 64 && T::addr.width <= 32 && T::lane.width <= 32 && T::buffer.width <= 32,
                "SramFault's fields must hold the port's");
  sc_dt::sc_bv<kSramFaultBits> bv;
  put(bv, T::flip_mask.lsb, T::flip_mask.width, f.flip_mask);
  put(bv, T::lane.lsb, T::lane.width, uint64_t(f.lane));
  put(bv, T::addr.lsb, T::addr.width, f.word);
  put(bv, T::buffer.lsb, T::buffer.width, uint64_t(f.buffer));
  put(bv, T::valid.lsb, T::valid.width, 1);
  return bv;
}

FaultInjector::FaultInjector(sc_core::sc_module_name name, DutSignals& signals) : sc_module(name), s_(signals) {
  SC_HAS_PROCESS(FaultInjector);
  SC_THREAD(thread);
}

void FaultInjector::add(Action a) {
  actions_.insert(std::upper_bound(actions_.begin(), actions_.end(), a,
                                   [](const Action& x, const Action& y) { return x.at < y.at; }),
                  std::move(a));
  changed_.notify(sc_core::SC_ZERO_TIME);
}

sc_core::sc_time FaultInjector::cycle_time(uint64_t delay) const {
  // Writes land mid-cycle, so the value is stable before the rising edge that should see it.
  const sc_core::sc_time period = s_.clk.period();
  return sc_core::sc_time_stamp() + period * double(delay) + period / 2;
}

void FaultInjector::schedule_ff(const FfFault& fault, uint64_t delay, uint64_t hold) {
  schedule_ff_at(fault, cycle_time(delay), hold);
}

void FaultInjector::schedule_ff_at(const FfFault& fault, const sc_core::sc_time& start, uint64_t hold) {
  add(Action{start, true, encode(fault), {}});
  if (hold > 0) add(Action{start + s_.clk.period() * double(hold), true, sc_dt::sc_bv<kFfFaultBits>(), {}});
}

void FaultInjector::schedule_sram(const std::vector<SramFault>& faults, uint64_t delay) {
  schedule_sram_at(faults, cycle_time(delay));
}

void FaultInjector::schedule_sram_at(const std::vector<SramFault>& faults, sc_core::sc_time at) {
  const sc_core::sc_time period = s_.clk.period();
  for (const SramFault& f : faults) {
    add(Action{at, false, {}, encode(f)});
    at += period;
  }
  add(Action{at, false, {}, sc_dt::sc_bv<kSramFaultBits>()});
}

void FaultInjector::clear() {
  actions_.clear();
  s_.ff_fault.write(sc_dt::sc_bv<kFfFaultBits>());
  s_.sram_fault.write(sc_dt::sc_bv<kSramFaultBits>());
  changed_.notify(sc_core::SC_ZERO_TIME);
}

bool FaultInjector::driving() const {
  return s_.ff_fault.read()[kFfFaultBits - 1].to_bool() || s_.sram_fault.read()[kSramFaultBits - 1].to_bool();
}

void FaultInjector::thread() {
  for (;;) {
    if (actions_.empty()) {
      wait(changed_);
      continue;
    }
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (actions_.front().at > now) {
      wait(actions_.front().at - now, changed_);
      continue;
    }
    const Action a = actions_.front();
    actions_.erase(actions_.begin());
    if (a.ff) {
      s_.ff_fault.write(a.ff_value);
    } else {
      s_.sram_fault.write(a.sram_value);
    }
  }
}

int FaultInjector::apply(const Injection& inj, const SiteMap& map, int pass, PassStage stage, HostPort& port) {
  if (inj.model == FaultModel::kSramBer) {
    if (stage != PassStage::kLoaded) return 0;
    const std::vector<SramFault> faults = draw_ber_faults(inj, map, pass);
    if (!faults.empty()) {
      schedule_sram(faults, 0);
      // The flips land one word per cycle before the pass starts.
      port.clock(faults.size() + 1);
    }
    return int(faults.size());
  }
  const bool permanent = inj.hold == 0;
  const PassStage when = permanent ? PassStage::kBegin : PassStage::kStarted;
  if (pass != inj.pass || stage != when) return 0;
  return arm_site_at(inj, map, cycle_time(permanent ? 0 : inj.offset));
}

SramFault settling_sram_write(Buffer buffer, const SiteMap& map) {
  return SramFault{int(buffer), uint32_t(map.depth(buffer) - 1), 0, 0};
}

int FaultInjector::arm_site_at(const Injection& inj, const SiteMap& map, const sc_core::sc_time& start) {
  if (inj.site.sram) {
    schedule_sram_at({SramFault{int(inj.site.buffer), uint32_t(inj.site.word), inj.site.lane, inj.mask},
                      settling_sram_write(inj.site.buffer, map)},
                     start);
  } else {
    FfFault f;
    f.group = map.ff_groups()[inj.site.ff_group].group;
    f.replica = map.ff_groups()[inj.site.ff_group].replica;
    if (inj.model == FaultModel::kStuckAt0 || inj.model == FaultModel::kStuckAt1) {
      f.force_mask = inj.mask;
      f.force_value = inj.model == FaultModel::kStuckAt1 ? inj.mask : 0;
    } else {
      f.flip_mask = inj.mask;
    }
    schedule_ff_at(f, start, inj.hold);
  }
  return __builtin_popcountll(inj.mask);
}

}  // namespace flipsim
