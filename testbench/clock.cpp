#include "testbench/clock.h"

namespace flipsim {

Clock::Clock(sc_core::sc_module_name name, const sc_core::sc_time& period) : sc_module(name), period_(period) {
  SC_HAS_PROCESS(Clock);
  // Runs at initialization (time 0) and then every period: one activation per cycle.
  SC_METHOD(rise);
  SC_METHOD(fall);
  sensitive << fall_due_;
  dont_initialize();
}

void Clock::rise() {
  rise_.notify(sc_core::SC_ZERO_TIME);
  next_trigger(period_);
}

void Clock::fall() { fall_.notify(sc_core::SC_ZERO_TIME); }

sc_core::sc_time Clock::until_fall() const {
  // Falls lie at (n + 1/2) periods; in resolution units (integers) this is exact.
  const sc_dt::uint64 now = sc_core::sc_time_stamp().value(), period = period_.value(), half = period / 2;
  const sc_dt::uint64 next = now < half ? half : half + ((now - half) / period + 1) * period;
  return sc_core::sc_time::from_value(next - now);
}

const sc_core::sc_event& Clock::negedge_event() {
  // Notifying again with the same delay, while that notification is pending, changes nothing.
  fall_due_.notify(until_fall());
  return fall_;
}

sc_core::sc_time Clock::until_settled() const { return until_fall() + period_ / 4; }

}  // namespace flipsim
