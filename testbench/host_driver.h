// SystemC thread that runs host jobs (sequences of host-port transactions) on the DUT's clock.
#pragma once

#include <systemc>

#include <exception>
#include <functional>
#include <stdexcept>

#include "testbench/dut.h"
#include "testbench/host_port.h"

namespace flipsim {

/// A job ended early by HostDriver::abort_job().
class JobAborted : public std::runtime_error {
 public:
  JobAborted() : std::runtime_error("host job aborted") {}
};

class HostDriver : public sc_core::sc_module, public HostPort {
 public:
  using Job = std::function<void(HostPort&)>;

  HostDriver(sc_core::sc_module_name name, DutSignals& signals);

  /// Hands a job to the driver thread; the caller then runs the kernel until the job pauses it.
  void post(Job job);
  /// The exception a job threw, if any (taken: a second call returns null).
  std::exception_ptr take_error();

  void write(uint32_t address, uint64_t data) override;
  uint64_t read(uint32_t address) override;
  bool wait_idle(uint64_t max_cycles) override;
  void clock(uint64_t cycles) override;
  void set_reset(bool asserted) override;
  /// wait_idle with an absolute deadline: a run restored mid-pass keeps the watchdog of the run it continues.
  bool wait_idle_until(const sc_core::sc_time& deadline);
  /// Waits for the next settled moment: a quarter period after a falling edge (see Monitor::add_settled_hook).
  void wait_settled();
  /// Ends the running job at its next wait with JobAborted; callable from any SystemC process (a hybrid run
  /// stops simulating as soon as the DUT's state is golden again).
  void abort_job();

 private:
  void thread();
  void request(uint32_t address, uint64_t data, bool write);
  void wait_posedge();
  void throw_if_aborted();

  DutSignals& s_;
  Job job_;
  std::exception_ptr error_;
  sc_core::sc_event job_posted_;
  sc_core::sc_event abort_;
  /// posedge | abort_, built once: an or-list written in the wait() call is allocated and freed by the kernel
  /// at every clock cycle the driver waits through.
  sc_core::sc_event_or_list posedge_or_abort_;
  bool aborting_ = false;
};

}  // namespace flipsim
