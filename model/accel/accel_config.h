// Accelerator configuration: loaded from YAML in one place, validated, and checked against compiled RTL.
#pragma once

#include <cstdint>
#include <string>

#include "model/accel/protection.h"

namespace flipsim {

struct AccelConfig {
  std::string name = "default";
  int rows = 8;
  int cols = 8;
  int data_bits = 8;
  int acc_bits = 32;
  int abuf_depth = 4096;    ///< words of `rows` lanes
  int wbuf_depth = 4096;    ///< words of `cols` lanes
  int bbuf_depth = 64;      ///< words of `cols` accumulator lanes
  int accbuf_depth = 1024;  ///< words of `cols` accumulator lanes
  int obuf_depth = 2048;    ///< words of `cols` lanes
  uint64_t watchdog_cycles = 5'000'000;  ///< a layer running longer than this is a hang
  /// Hardware: every buffer lane has room for check bits and every PE register has fs_pkg::Replicas copies
  /// (the RTL's Protectable parameter); what of it is in use is `protection`'s choice.
  bool protectable = false;
  /// Run time: set by a campaign (not the accelerator YAML); needs a protectable build unless it is none.
  Protection protection;

  /// Identifies a compiled RTL variant: "<rows>x<cols>_d<data_bits>_a<acc_bits>", "_prot" if protectable.
  std::string variant() const;
  bool same_hardware(const AccelConfig& o) const;
};

/// Loads and validates an accelerator YAML file. Throws ConfigError naming the file, key and expectation.
AccelConfig load_accel_config(const std::string& path);

/// Validates value ranges (shared by the loader and programmatic configs); throws ConfigError.
void validate_accel_config(const AccelConfig& config, const std::string& origin);

}  // namespace flipsim
