// Blocking host-port transactions in simulated time (valid/ready requests, one-cycle read responses).
#pragma once

#include <cstdint>

namespace flipsim {

/// Host-port address map (rtl/fs_pkg.sv): {region[31:28], word[27:8], lane[7:0]}.
enum class Region : uint32_t { kRegs = 0, kAbuf = 1, kWbuf = 2, kBbuf = 3, kAccbuf = 4, kObuf = 5 };
constexpr uint32_t host_address(Region region, uint32_t word, uint32_t lane = 0) {
  return (uint32_t(region) << 28) | ((word & 0xfffffu) << 8) | (lane & 0xffu);
}

/// Register words inside Region::kRegs.
enum HostReg : uint32_t {
  kRegCtrl = 0,  ///< bit 0: start the descriptor; bit 1: zero every buffer word
  kRegStatus = 1,
  kRegCycles = 2,
  kRegLayerCycles = 3,
  kRegParams = 4,
  kRegDepths0 = 5,
  kRegDepths1 = 6,
  kRegDepths2 = 7,
  kRegDescBase = 16,
};

class HostPort {
 public:
  virtual ~HostPort() = default;
  virtual void write(uint32_t address, uint64_t data) = 0;
  virtual uint64_t read(uint32_t address) = 0;
  /// Waits until the accelerator is idle; false if it is still busy after `max_cycles`.
  virtual bool wait_idle(uint64_t max_cycles) = 0;
  virtual void clock(uint64_t cycles) = 0;
  virtual void set_reset(bool asserted) = 0;
};

}  // namespace flipsim
