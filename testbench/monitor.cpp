#include "testbench/monitor.h"

namespace flipsim {

Monitor::Monitor(sc_core::sc_module_name name, DutSignals& signals) : sc_module(name), s_(signals) {
  SC_HAS_PROCESS(Monitor);
  // Sensitive to busy only (not the clock), so observing costs nothing per simulated cycle.
  SC_METHOD(on_busy);
  sensitive << s_.busy;
  dont_initialize();
  SC_METHOD(on_cycle);
  SC_METHOD(on_settled);
}

void Monitor::on_settled() {
  if (settled_armed_) settled_hooks_();
  // Straight to the next settled moment: one activation per cycle, and no falling edge asked for.
  settled_armed_ = !settled_hooks_.empty();
  if (settled_armed_) next_trigger(s_.clk.until_settled());
  else next_trigger(settled_changed_);
}

void Monitor::on_cycle() {
  if (cycle_hooks_.empty()) {
    next_trigger(hooks_changed_);
    return;
  }
  if (s_.clk.negedge()) cycle_hooks_();
  next_trigger(s_.clk.negedge_event() | hooks_changed_);
}

void Monitor::on_busy() {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  if (s_.busy.read()) {
    busy_since_ = now;
  } else {
    busy_cycles_.push_back(uint64_t((now - busy_since_) / s_.clk.period() + 0.5));
  }
}

}  // namespace flipsim
