#include "testbench/monitor.h"

namespace flipsim {

Monitor::Monitor(sc_core::sc_module_name name, DutSignals& signals) : sc_module(name), s_(signals) {
  SC_HAS_PROCESS(Monitor);
  // Sensitive to busy only (not the clock), so observing costs nothing per simulated cycle.
  SC_METHOD(on_busy);
  sensitive << s_.busy;
  dont_initialize();
  SC_METHOD(on_cycle);
}

void Monitor::set_cycle_callback(std::function<void()> callback) {
  cycle_callback_ = std::move(callback);
  callback_changed_.notify(sc_core::SC_ZERO_TIME);
}

void Monitor::on_cycle() {
  if (!cycle_callback_) {
    next_trigger(callback_changed_);
    return;
  }
  if (s_.clk.negedge()) cycle_callback_();
  next_trigger(s_.clk.negedge_event() | callback_changed_);
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
