// Passive observer of the DUT: when layers run and how long each keeps the accelerator busy.
#pragma once

#include <systemc>

#include <cstdint>
#include <functional>
#include <vector>

#include "testbench/dut.h"

namespace flipsim {

class Monitor : public sc_core::sc_module {
 public:
  Monitor(sc_core::sc_module_name name, DutSignals& signals);

  /// Busy periods seen so far, in clock cycles, one per descriptor executed.
  const std::vector<uint64_t>& busy_cycles() const { return busy_cycles_; }
  void clear() { busy_cycles_.clear(); }

  /// Calls `callback` at every falling clock edge (registers are stable there) until it is reset to empty.
  /// Costs nothing while unset: the process is then only woken by this call.
  void set_cycle_callback(std::function<void()> callback);

 private:
  void on_busy();
  void on_cycle();

  DutSignals& s_;
  sc_core::sc_time busy_since_;
  std::vector<uint64_t> busy_cycles_;
  std::function<void()> cycle_callback_;
  sc_core::sc_event callback_changed_;
};

}  // namespace flipsim
