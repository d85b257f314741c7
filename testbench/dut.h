// The signals around the Verilated fs_top and a variant-independent handle on the model itself.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <systemc>

#include "rtl/fs_pkg.h"
#include "testbench/clock.h"

class VerilatedFstSc;

namespace flipsim {

/// Bit widths of the packed fault-port structs (fs_pkg::ff_fault_t, fs_pkg::sram_fault_t).
constexpr int kFfFaultBits = fs_pkg::ff_fault_t::bits;
constexpr int kSramFaultBits = fs_pkg::sram_fault_t::bits;

/// Every port of fs_top as a SystemC signal, plus the clock.
struct DutSignals {
  Clock clk{"clk", sc_core::sc_time(10, sc_core::SC_NS)};
  sc_core::sc_signal<bool> rst_n{"rst_n"};
  sc_core::sc_signal<bool> req_valid{"req_valid"};
  sc_core::sc_signal<bool> req_ready{"req_ready"};
  sc_core::sc_signal<bool> req_write{"req_write"};
  sc_core::sc_signal<uint32_t> req_addr{"req_addr"};
  sc_core::sc_signal<uint64_t> req_wdata{"req_wdata"};
  sc_core::sc_signal<bool> resp_valid{"resp_valid"};
  sc_core::sc_signal<uint64_t> resp_rdata{"resp_rdata"};
  sc_core::sc_signal<bool> busy{"busy"};
  sc_core::sc_signal<sc_dt::sc_bv<kFfFaultBits>> ff_fault{"ff_fault"};
  sc_core::sc_signal<sc_dt::sc_bv<kSramFaultBits>> sram_fault{"sram_fault"};
};

/// One compiled RTL variant's model, bound to a DutSignals.
class DutModel {
 public:
  virtual ~DutModel() = default;
  virtual void trace(VerilatedFstSc* tracer, int levels) = 0;
  virtual void final() = 0;
  /// The model's whole state as bytes (Verilator --savable), and back.
  virtual void save(std::string* bytes) = 0;
  virtual void restore(const std::string& bytes) = 0;
};

}  // namespace flipsim
