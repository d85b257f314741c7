#include "testbench/host_driver.h"

#include <stdexcept>

namespace flipsim {

HostDriver::HostDriver(sc_core::sc_module_name name, DutSignals& signals) : sc_module(name), s_(signals) {
  SC_HAS_PROCESS(HostDriver);
  posedge_or_abort_ |= s_.clk.posedge_event();
  posedge_or_abort_ |= abort_;
  SC_THREAD(thread);
}

void HostDriver::post(Job job) {
  job_ = std::move(job);
  job_posted_.notify(sc_core::SC_ZERO_TIME);
}

std::exception_ptr HostDriver::take_error() {
  std::exception_ptr e = error_;
  error_ = nullptr;
  return e;
}

void HostDriver::thread() {
  for (;;) {
    while (!job_) wait(job_posted_);
    try {
      job_(*this);
    } catch (...) {
      // Exceptions must not escape a SystemC process; the caller rethrows after the kernel pauses.
      error_ = std::current_exception();
    }
    job_ = nullptr;
    aborting_ = false;
    sc_core::sc_pause();
    wait(sc_core::SC_ZERO_TIME);
  }
}

void HostDriver::request(uint32_t address, uint64_t data, bool write) {
  s_.req_addr.write(address);
  s_.req_wdata.write(data);
  s_.req_write.write(write);
  s_.req_valid.write(true);
  // Signals read right after the edge still hold their pre-edge values: ready as the DUT sampled it.
  do {
    wait_posedge();
  } while (!s_.req_ready.read());
  s_.req_valid.write(false);
}

void HostDriver::write(uint32_t address, uint64_t data) { request(address, data, true); }

uint64_t HostDriver::read(uint32_t address) {
  request(address, 0, false);
  wait_posedge();
  if (!s_.resp_valid.read())
    throw std::runtime_error("host port: no read response one cycle after the request to 0x" +
                             std::to_string(address));
  return s_.resp_rdata.read();
}

bool HostDriver::wait_idle(uint64_t max_cycles) {
  wait_posedge();
  return wait_idle_until(sc_core::sc_time_stamp() + s_.clk.period() * double(max_cycles));
}

bool HostDriver::wait_idle_until(const sc_core::sc_time& deadline) {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  if (s_.busy.read() && deadline > now) wait(deadline - now, s_.busy.negedge_event() | abort_);
  throw_if_aborted();
  if (s_.busy.read()) return false;
  wait_posedge();
  return true;
}

void HostDriver::clock(uint64_t cycles) {
  for (uint64_t i = 0; i < cycles; ++i) wait_posedge();
}

void HostDriver::wait_settled() {
  wait(s_.clk.until_settled());
}

void HostDriver::abort_job() {
  aborting_ = true;
  abort_.notify(sc_core::SC_ZERO_TIME);
}

void HostDriver::wait_posedge() {
  wait(posedge_or_abort_);
  throw_if_aborted();
}

void HostDriver::throw_if_aborted() {
  if (aborting_) throw JobAborted();
}

void HostDriver::set_reset(bool asserted) { s_.rst_n.write(!asserted); }

}  // namespace flipsim
