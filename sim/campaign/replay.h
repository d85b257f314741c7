// Replays one stored injection on the public-register RTL: re-runs it with a waveform and compares every
// register, cycle by cycle, with a fault-free run from the same starting state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/campaign/result_store.h"

namespace flipsim {

struct Divergence {
  bool found = false;
  uint64_t cycle = 0;                 ///< cycle since the run started (reset + scrub + inference)
  std::vector<std::string> signals;   ///< "register[bits]" that differ at that cycle
};

struct ReplayReport {
  InjectionRecord stored;    ///< the campaign's row
  InjectionRecord replayed;  ///< the same injection, re-run now (must agree with `stored`)
  Divergence first;          ///< first register that differs from the fault-free run
  Divergence spread;         ///< first register other than the injected one that differs
  uint64_t cycles_differing = 0;
  uint64_t run_cycles = 0;   ///< cycles of the faulty run as traced
  bool fault_driven = false;  ///< the fault port carried the fault at some cycle of the run
  uint64_t fault_cycle = 0;   ///< first cycle whose registers the fault could have changed
  std::string trace_file;
};

/// Throws ConfigError when the database, the injection id or the campaign's config file is unusable, or when
/// the accelerator variant has no public-register build.
ReplayReport replay_injection(const std::string& db, uint64_t id, const std::string& trace_file);

}  // namespace flipsim
