// Passive observer of the DUT: when layers run and how long each keeps the accelerator busy.
#pragma once

#include <systemc>

#include <cstdint>
#include <vector>

#include "sim/dut.h"

namespace flipsim {

class Monitor : public sc_core::sc_module {
 public:
  Monitor(sc_core::sc_module_name name, DutSignals& signals);

  /// Busy periods seen so far, in clock cycles, one per descriptor executed.
  const std::vector<uint64_t>& busy_cycles() const { return busy_cycles_; }
  void clear() { busy_cycles_.clear(); }

 private:
  void on_busy();

  DutSignals& s_;
  sc_core::sc_time busy_since_;
  std::vector<uint64_t> busy_cycles_;
};

}  // namespace flipsim
