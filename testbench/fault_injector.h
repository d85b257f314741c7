// SystemC module that drives the DUT's flip-flop and SRAM fault ports at scheduled simulation times.
#pragma once

#include <systemc>

#include <cstdint>
#include <vector>

#include "testbench/dut.h"
#include "testbench/fault.h"
#include "testbench/host_port.h"
#include "testbench/layer_driver.h"
#include "testbench/site_map.h"

namespace flipsim {

/// fs_pkg::ff_fault_t: XOR flip_mask into register `group`, then force the bits of force_mask.
struct FfFault {
  uint32_t group = 0;
  uint64_t flip_mask = 0;
  uint64_t force_mask = 0;
  uint64_t force_value = 0;
  int replica = 0;  ///< the copy of a replicated register
};

sc_dt::sc_bv<kFfFaultBits> encode(const FfFault& f);
sc_dt::sc_bv<kSramFaultBits> encode(const SramFault& f);

/// A fault write of nothing to a buffer's last word. Verilator keeps a wide memory's last fault write (value and
/// address) in the model's state: after a flip, and once per buffer in the golden runs the hybrid engine compares
/// with (hybrid_engine.cpp), this leaves the same there, so a state whose flipped word was rewritten can be golden
/// again. It changes no stored bit.
SramFault settling_sram_write(Buffer buffer, const SiteMap& map);

class FaultInjector : public sc_core::sc_module {
 public:
  FaultInjector(sc_core::sc_module_name name, DutSignals& signals);

  /// What each fault model means on the DUT. Called at every stage of every pass of a run (from the layer
  /// driver's pass hook), it schedules what `injection` does there and returns the bits it flipped or forced:
  ///  - flip / multi-bit: the masked register bits XORed for `hold` cycles from busy cycle `offset` of `pass`;
  ///  - stuck-at: the masked bits forced for `hold` cycles, or from the first pass to the end when hold == 0;
  ///  - SRAM flip: the masked stored bits XORed at busy cycle `offset`, kept until the word is rewritten;
  ///  - SRAM bit-error rate: once the pass's buffers are loaded, every stored bit of `ber_buffers` flips with
  ///    probability `ber`, drawn afresh for each pass from the injection's own stream.
  int apply(const Injection& injection, const SiteMap& map, int pass, PassStage stage, HostPort& port);

  /// Applies `fault` during clock cycles [delay, delay + hold) counted from now (the cycle that starts at the
  /// current rising edge is cycle 0), so it acts on the register updates at the end of those cycles.
  /// hold == 0 keeps it applied until clear().
  void schedule_ff(const FfFault& fault, uint64_t delay, uint64_t hold);
  /// Flips stored SRAM bits at the end of cycle `delay` (one word per cycle for several faults).
  void schedule_sram(const std::vector<SramFault>& faults, uint64_t delay);
  /// The same from absolute simulated times (a falling edge: `start` of the first cycle the fault acts in).
  void schedule_ff_at(const FfFault& fault, const sc_core::sc_time& start, uint64_t hold);
  void schedule_sram_at(const std::vector<SramFault>& faults, sc_core::sc_time at);
  /// What apply() does for a fault on a site, from an absolute start time: a run restored in the middle of the
  /// fault's pass arms it where the uninterrupted run would have. An SRAM flip is followed by the buffer's
  /// settling write (settling_sram_write). Returns the bits it touches.
  int arm_site_at(const Injection& injection, const SiteMap& map, const sc_core::sc_time& start);
  /// True while either fault port carries a fault: at a falling clock edge, the fault acts on the registers'
  /// update at the next rising edge.
  bool driving() const;
  /// Cancels everything scheduled and releases both ports now.
  void clear();

 private:
  struct Action {
    sc_core::sc_time at;
    bool ff;
    sc_dt::sc_bv<kFfFaultBits> ff_value;
    sc_dt::sc_bv<kSramFaultBits> sram_value;
  };
  void add(Action a);
  /// The falling edge in the middle of clock cycle `delay`, counted from the current rising edge.
  sc_core::sc_time cycle_time(uint64_t delay) const;
  void thread();

  DutSignals& s_;
  std::vector<Action> actions_;  ///< sorted by time
  sc_core::sc_event changed_;
};

}  // namespace flipsim
