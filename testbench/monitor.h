// Passive observer of the DUT: when layers run and how long each keeps the accelerator busy.
#pragma once

#include <systemc>

#include <cstdint>
#include <functional>
#include <vector>

#include "testbench/dut.h"
#include "testbench/hook_list.h"

namespace flipsim {

class Monitor : public sc_core::sc_module {
 public:
  Monitor(sc_core::sc_module_name name, DutSignals& signals);

  /// Busy periods seen so far, in clock cycles, one per descriptor executed.
  const std::vector<uint64_t>& busy_cycles() const { return busy_cycles_; }
  void clear() { busy_cycles_.clear(); }

  using CycleHooks = HookList<>;
  /// Calls `hook` at every falling clock edge (registers are stable there) while the subscription lives.
  /// Costs nothing while no hook is subscribed: the process is then only woken by a subscription.
  [[nodiscard]] CycleHooks::Subscription add_cycle_hook(CycleHooks::Hook hook) {
    return cycle_hooks_.add(std::move(hook));
  }
  /// Calls `hook` a quarter period after every falling clock edge, when every process of the cycle has run and
  /// nothing else happens: the one moment where the DUT's state may be saved, compared or restored.
  [[nodiscard]] CycleHooks::Subscription add_settled_hook(CycleHooks::Hook hook) {
    return settled_hooks_.add(std::move(hook));
  }

 private:
  void on_busy();
  void on_cycle();
  void on_settled();

  DutSignals& s_;
  sc_core::sc_time busy_since_;
  std::vector<uint64_t> busy_cycles_;
  sc_core::sc_event hooks_changed_;
  CycleHooks cycle_hooks_{[this] { hooks_changed_.notify(sc_core::SC_ZERO_TIME); }};
  sc_core::sc_event settled_changed_;
  bool settled_armed_ = false;  ///< waiting for the next settled moment (hooks subscribed)
  CycleHooks settled_hooks_{[this] { settled_changed_.notify(sc_core::SC_ZERO_TIME); }};
};

}  // namespace flipsim
