// SystemC thread that runs host jobs (sequences of host-port transactions) on the DUT's clock.
#pragma once

#include <systemc>

#include <exception>
#include <functional>

#include "testbench/dut.h"
#include "testbench/host_port.h"

namespace flipsim {

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

 private:
  void thread();
  void request(uint32_t address, uint64_t data, bool write);

  DutSignals& s_;
  Job job_;
  std::exception_ptr error_;
  sc_core::sc_event job_posted_;
};

}  // namespace flipsim
