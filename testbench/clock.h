// The harness's clock. sc_clock makes both edges timed events that write a signal, whoever listens; fs_top has no
// falling-edge logic (the binding lets the model see the fall lazily, testbench/dut_binding.h), so here a falling
// edge is an event scheduled only when a process asks for it, and a rising edge notifies its listeners without a
// signal's update. Edges fall where sc_clock's would: rising at every multiple of the period from time 0, falling
// half a period later, and the processes an edge wakes run in the delta after it, as a signal's edge would wake
// them (after whatever else happens at that time: a fault-port write at the falling edge, say).
#pragma once

#include <systemc>

namespace flipsim {

class Clock : public sc_core::sc_module {
 public:
  Clock(sc_core::sc_module_name name, const sc_core::sc_time& period);

  const sc_core::sc_time& period() const { return period_; }
  const sc_core::sc_event& posedge_event() const { return rise_; }
  /// The first falling edge after now, scheduled by this call: a process asks for it right before it waits.
  const sc_core::sc_event& negedge_event();
  /// Time until the moment a quarter period after the first falling edge after now (Monitor's settled point).
  sc_core::sc_time until_settled() const;
  /// True in the delta cycle an edge woke (as sc_signal<bool>::posedge() and negedge()).
  bool posedge() const { return rise_.triggered(); }
  bool negedge() const { return fall_.triggered(); }

 private:
  void rise();
  void fall();
  /// Time until the first falling edge after now.
  sc_core::sc_time until_fall() const;

  sc_core::sc_time period_;
  sc_core::sc_event rise_, fall_;
  sc_core::sc_event fall_due_;  ///< the timed half of a falling edge
};

}  // namespace flipsim
