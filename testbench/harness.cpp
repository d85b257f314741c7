#include "testbench/harness.h"

#include <verilated.h>
#include <verilated_fst_sc.h>

#include <algorithm>

#include "model/common/config_error.h"
#include "rtl/fs_pkg.h"
#include "testbench/layer_driver.h"

namespace flipsim {

Harness::Harness(const AccelConfig& config, const HarnessOptions& options) : config_(config) {
  if (sc_core::sc_get_status() != sc_core::SC_ELABORATION)
    throw std::logic_error("only one SystemC harness per process (SystemC elaborates once)");
  const VariantInfo& variant = find_variant(config);
  const bool tracing = !options.trace_file.empty() || options.trace_on_demand;
  if (tracing) Verilated::traceEverOn(true);
  signals_ = std::make_unique<DutSignals>();
  dut_ = variant.make("dut", *signals_);
  driver_ = std::make_unique<HostDriver>("host_driver", *signals_);
  monitor_ = std::make_unique<Monitor>("monitor", *signals_);
  injector_ = std::make_unique<FaultInjector>("fault_injector", *signals_);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  if (tracing) {
    tracer_ = std::make_unique<VerilatedFstSc>();
    dut_->trace(tracer_.get(), 99);
    if (!options.trace_file.empty()) tracer_->open(options.trace_file.c_str());
  }
  reset();
  check_parameters();
}

Harness::~Harness() {
  if (dut_) dut_->final();
  close_trace();
}

void Harness::open_trace(const std::string& file) {
  if (!tracer_) throw std::logic_error("harness built without tracing");
  tracer_->open(file.c_str());
}

void Harness::close_trace() {
  if (tracer_ && tracer_->isOpen()) tracer_->close();
}

void Harness::run(const HostDriver::Job& job) {
  driver_->post(job);
  sc_core::sc_start();
  if (std::exception_ptr e = driver_->take_error()) std::rethrow_exception(e);
}

void Harness::reset() {
  run([](HostPort& port) {
    port.set_reset(true);
    port.clock(3);
    port.set_reset(false);
    port.clock(1);
  });
}

void Harness::scrub() {
  const uint64_t longest = uint64_t(std::max({config_.abuf_depth, config_.wbuf_depth, config_.bbuf_depth,
                                              config_.accbuf_depth, config_.obuf_depth}));
  run([&](HostPort& port) {
    write_protection(port, config_);
    port.write(host_address(Region::kRegs, kRegCtrl), kCtrlScrub);
    if (!port.wait_idle(2 * longest + 16)) throw std::runtime_error("memory initialisation did not finish");
  });
}

DutState Harness::save_state() {
  DutState state;
  save_state(state);
  return state;
}

void Harness::save_state(DutState& state) {
  dut_->save(&state.model);
  state.rst_n = signals_->rst_n.read();
  state.req_valid = signals_->req_valid.read();
  state.req_write = signals_->req_write.read();
  state.req_addr = signals_->req_addr.read();
  state.req_wdata = signals_->req_wdata.read();
}

void Harness::restore_state(const DutState& state) {
  signals_->rst_n.write(state.rst_n);
  signals_->req_valid.write(state.req_valid);
  signals_->req_write.write(state.req_write);
  signals_->req_addr.write(state.req_addr);
  signals_->req_wdata.write(state.req_wdata);
  dut_->restore(state.model);
}

uint64_t Harness::cycle() const { return uint64_t(sc_core::sc_time_stamp() / signals_->clk.period()); }

void Harness::check_parameters() {
  uint64_t params = 0, depths0 = 0, depths1 = 0, depths2 = 0, prot = 0;
  run([&](HostPort& port) {
    write_protection(port, config_);
    prot = port.read(host_address(Region::kRegs, kRegProt));
    params = port.read(host_address(Region::kRegs, kRegParams));
    depths0 = port.read(host_address(Region::kRegs, kRegDepths0));
    depths1 = port.read(host_address(Region::kRegs, kRegDepths1));
    depths2 = port.read(host_address(Region::kRegs, kRegDepths2));
  });
  // The registers' layouts are fs_pkg's params_t and depths*_t.
  auto field = [](uint64_t word, fs_pkg::BitField f) {
    return int((word >> f.lsb) & ((f.width >= 64 ? 0 : uint64_t(1) << f.width) - 1));
  };
  AccelConfig rtl = config_;
  // Only a Protectable build keeps what is written to RegProt (and needs a code or a redundancy in use to show it).
  rtl.protectable = config_.protection.detects() ? prot == protection_register(config_.protection) : config_.protectable;
  rtl.rows = field(params, fs_pkg::params_t::rows);
  rtl.cols = field(params, fs_pkg::params_t::cols);
  rtl.data_bits = field(params, fs_pkg::params_t::data_width);
  rtl.acc_bits = field(params, fs_pkg::params_t::acc_width);
  rtl.abuf_depth = field(depths0, fs_pkg::depths0_t::abuf_depth);
  rtl.wbuf_depth = field(depths0, fs_pkg::depths0_t::wbuf_depth);
  rtl.bbuf_depth = field(depths1, fs_pkg::depths1_t::bbuf_depth);
  rtl.accbuf_depth = field(depths1, fs_pkg::depths1_t::accbuf_depth);
  rtl.obuf_depth = field(depths2, fs_pkg::depths2_t::obuf_depth);
  if (!rtl.same_hardware(config_))
    throw ConfigError("accelerator '" + config_.name + "': the RTL's parameter registers report " + rtl.variant() +
                      ", the configuration asks for " + config_.variant());
}

}  // namespace flipsim
