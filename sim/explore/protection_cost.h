// What a protection option adds to the accelerator: exact storage and flip-flop bits, and the logic of its
// encoders, decoders, voters and comparators from synthesis with Yosys (of the RTL's own modules, with the
// option's code or redundancy fixed and the fault-injection hooks compiled out).
#pragma once

#include <cstdint>
#include <string>

#include "model/accel/accel_config.h"

namespace flipsim {

struct ProtectionCost {
  uint64_t storage_bits = 0;    ///< check bits in the buffers (SRAM)
  uint64_t flip_flop_bits = 0;  ///< copies of PE register bits, clip bounds
  long cells = 0;               ///< Yosys generic cells added (logic and the copies' flip-flops)
  long transistors = 0;         ///< their CMOS transistor estimate (Yosys `stat -tech cmos`)
  /// One number to rank options by: transistors of the added logic and flip-flops plus six per SRAM bit (a 6T
  /// cell), ignoring wiring and SRAM periphery.
  long area() const { return transistors + 6 * long(storage_bits); }
};

/// The cost of `accel.protection` on `accel` (zero when it is none).
ProtectionCost protection_cost(const AccelConfig& accel);

/// A Yosys command that reproduces one of the syntheses the costs come from (for the docs).
std::string cost_command_example();

}  // namespace flipsim
