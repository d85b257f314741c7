// The SystemC harness: clock, reset, the Verilated DUT of the configured variant, the host driver and the
// monitor. SystemC elaborates once per process, so there is at most one Harness per process; it is reset
// and reused between runs.
#pragma once

#include <memory>
#include <string>

#include "model/accel/accel_config.h"
#include "testbench/dut.h"
#include "testbench/dut_state.h"
#include "testbench/fault_injector.h"
#include "testbench/host_driver.h"
#include "testbench/monitor.h"
#include "testbench/variants.h"

class VerilatedFstSc;

namespace flipsim {

struct HarnessOptions {
  std::string trace_file;  ///< FST waveform of the whole run when not empty
  bool trace_on_demand = false;  ///< prepare tracing so that open_trace() can start it later
};

class Harness {
 public:
  /// Throws ConfigError if no compiled variant matches `config`, or if the DUT's parameter registers,
  /// read through the host port, disagree with it.
  Harness(const AccelConfig& config, const HarnessOptions& options = {});
  ~Harness();
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  /// Runs a host job to completion in simulated time; rethrows what the job threw.
  void run(const HostDriver::Job& job);
  /// Asserts reset for a few cycles: registers clear, buffer contents persist (as in SRAM).
  void reset();
  /// Zeroes every buffer word through the accelerator's memory-initialisation command.
  void scrub();

  const AccelConfig& config() const { return config_; }
  DutSignals& signals() { return *signals_; }
  Monitor& monitor() { return *monitor_; }
  HostDriver& driver() { return *driver_; }
  FaultInjector& injector() { return *injector_; }
  uint64_t cycle() const;
  /// The DUT's state and the host inputs that drive it. Only while the design is settled (a Monitor settled
  /// hook, or a job after HostDriver::wait_settled()) and no fault is on the fault ports.
  DutState save_state();
  /// The same into `state`, in the memory it already holds: a state is hundreds of kB, and fresh memory costs a
  /// page fault per 4 kB on first touch, which made up half of recording an image's golden checkpoints.
  void save_state(DutState& state);
  /// Puts the DUT back into `state`, from a job at a settled moment. The DUT's outputs follow at its next
  /// evaluation (the next clock edge), so a job reads them only after two rising edges.
  void restore_state(const DutState& state);
  /// Starts / stops writing an FST waveform (needs trace_on_demand or a trace_file at construction).
  void open_trace(const std::string& file);
  void close_trace();

 private:
  void check_parameters();

  AccelConfig config_;
  std::unique_ptr<DutSignals> signals_;
  std::unique_ptr<DutModel> dut_;
  std::unique_ptr<HostDriver> driver_;
  std::unique_ptr<Monitor> monitor_;
  std::unique_ptr<FaultInjector> injector_;
  std::unique_ptr<VerilatedFstSc> tracer_;
};

}  // namespace flipsim
