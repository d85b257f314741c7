// The host driver's program for one layer pass, written against the abstract HostPort so the same code
// drives the DUT from the SystemC harness and from a plain C++ Verilated loop (benchmarks).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "model/accel/accel_config.h"
#include "model/accel/layer_plan.h"
#include "testbench/host_port.h"

namespace flipsim {

/// Writes buffer words through the host port, packing as many lanes into each 64-bit beat as fit.
void write_buffer(HostPort& port, Region region, const std::vector<BufferWord>& words, int lane_bits);
/// Reads `count` words of `lanes` lanes back (sign-extended).
std::vector<BufferWord> read_buffer(HostPort& port, Region region, size_t count, int lanes, int lane_bits);

struct PassResult {
  bool hung = false;  ///< the watchdog expired, or the accelerator went idle without reporting done
  uint64_t cycles = 0;           ///< the DUT's own count of the pass's busy cycles
  std::vector<BufferWord> obuf;  ///< m_count * n_tiles output words
  // Protectable builds: what the protection reported for the pass (its last run, when it was recomputed).
  bool detected = false;   ///< an error it could not correct (the output read-back included)
  bool corrected = false;  ///< an error it corrected, in any run of the pass
  int recomputes = 0;      ///< reruns under OnDetect::kRecompute
};

/// Points in a pass where a caller (the fault injector) may act, in simulated time.
enum class PassStage {
  kBegin,    ///< nothing written yet
  kLoaded,   ///< buffers and descriptor written, not started yet
  kStarted,  ///< the start write was just accepted (busy from the next cycle)
};
using PassHook = std::function<void(PassStage stage, HostPort& port)>;

/// Loads the pass's buffers, writes its descriptor, starts it, waits (watchdog) and reads the outputs. Under
/// OnDetect::kRecompute a pass the accelerator flags is run again (the hook is not called again: the upset
/// that was detected happened once).
PassResult run_pass(HostPort& port, const FeatureMap& input, const ConvLayer& layer, const LayerPlan& plan,
                    const LayerPass& pass, const AccelConfig& config, const PassHook& hook = {});
/// The end of run_pass, once the accelerator is idle again: checks done, reads the cycle count and the outputs.
PassResult collect_pass(HostPort& port, const LayerPass& pass, const AccelConfig& config);

/// Writes the protection in use (a Protectable build's RegProt); before any buffer is written.
void write_protection(HostPort& port, const AccelConfig& config);
/// fs_pkg::prot_t of `p`.
uint64_t protection_register(const Protection& p);

}  // namespace flipsim
