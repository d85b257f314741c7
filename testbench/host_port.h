// Blocking host-port transactions in simulated time (valid/ready requests, one-cycle read responses).
#pragma once

#include <cstdint>

#include "rtl/fs_pkg.h"

namespace flipsim {

/// Host-port address map (rtl/fs_pkg.sv): {region, word, lane}, from the most significant bit down.
enum class Region : uint32_t {
  kRegs = fs_pkg::RegionRegs,
  kAbuf = fs_pkg::RegionAbuf,
  kWbuf = fs_pkg::RegionWbuf,
  kBbuf = fs_pkg::RegionBbuf,
  kAccbuf = fs_pkg::RegionAccbuf,
  kObuf = fs_pkg::RegionObuf,
};
constexpr uint32_t host_address(Region region, uint32_t word, uint32_t lane = 0) {
  constexpr uint32_t kWordMask = (uint32_t(1) << fs_pkg::WordAddrWidth) - 1;
  constexpr uint32_t kLaneMask = (uint32_t(1) << fs_pkg::HostLaneWidth) - 1;
  return (uint32_t(region) << (fs_pkg::WordAddrWidth + fs_pkg::HostLaneWidth)) |
         ((word & kWordMask) << fs_pkg::HostLaneWidth) | (lane & kLaneMask);
}
static_assert(fs_pkg::region_e_bits + fs_pkg::WordAddrWidth + fs_pkg::HostLaneWidth == fs_pkg::HostAddrWidth &&
                  fs_pkg::HostAddrWidth == 32,
              "host_address packs {region, word, lane} into 32 bits");

/// Register words inside Region::kRegs.
enum HostReg : uint32_t {
  kRegCtrl = fs_pkg::RegCtrl,
  kRegStatus = fs_pkg::RegStatus,
  kRegCycles = fs_pkg::RegCycles,
  kRegLayerCycles = fs_pkg::RegLayerCycles,
  kRegParams = fs_pkg::RegParams,
  kRegDepths0 = fs_pkg::RegDepths0,
  kRegDepths1 = fs_pkg::RegDepths1,
  kRegDepths2 = fs_pkg::RegDepths2,
  kRegProt = fs_pkg::RegProt,
  kRegDescBase = fs_pkg::RegDescBase,
};

/// Bits written to kRegCtrl and read from kRegStatus.
constexpr uint64_t kCtrlStart = uint64_t(1) << fs_pkg::RegCtrlStartBit;  ///< run the descriptor
constexpr uint64_t kCtrlScrub = uint64_t(1) << fs_pkg::RegCtrlScrubBit;  ///< zero every buffer word
constexpr uint64_t kStatusBusy = uint64_t(1) << fs_pkg::RegStatusBusyBit;
constexpr uint64_t kStatusDone = uint64_t(1) << fs_pkg::RegStatusDoneBit;  ///< sticky until the next start
constexpr uint64_t kStatusDetected = uint64_t(1) << fs_pkg::RegStatusDetectedBit;    ///< sticky until the next start
constexpr uint64_t kStatusCorrected = uint64_t(1) << fs_pkg::RegStatusCorrectedBit;  ///< sticky until the next start

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
