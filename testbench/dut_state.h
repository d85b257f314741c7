// The DUT's whole state in memory (Verilator --savable): the golden checkpoints a hybrid run restores instead of
// re-simulating the fault-free prefix, and the comparison that tells when a faulty run's state is golden again.
#pragma once

#include <cstdint>
#include <string>

namespace flipsim {

/// Everything that decides the DUT's future: the Verilated model's serialized state (registers, SRAM, the
/// model's own edge-detection state) and the values the testbench drives on its host inputs. Taken and
/// restored only while the design is settled (Monitor's settled hooks), so both sides see the same clock
/// history. Under SystemC the serialized VerilatedContext carries no time, so equal states serialize equal.
struct DutState {
  std::string model;
  bool rst_n = false;
  bool req_valid = false;
  bool req_write = false;
  uint32_t req_addr = 0;
  uint64_t req_wdata = 0;

  bool operator==(const DutState& o) const {
    return rst_n == o.rst_n && req_valid == o.req_valid && req_write == o.req_write && req_addr == o.req_addr &&
           req_wdata == o.req_wdata && model == o.model;
  }
  bool operator!=(const DutState& o) const { return !(*this == o); }
};

}  // namespace flipsim
