// The RTL variants compiled into this binary (generated from configs/accel/*.yaml by sim/CMakeLists.txt).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/accel/accel_config.h"
#include "testbench/dut.h"

namespace flipsim {

struct VariantInfo {
  const char* name;
  int rows, cols, data_bits, acc_bits;
  int abuf_depth, wbuf_depth, bbuf_depth, accbuf_depth, obuf_depth;
  bool protectable;
  std::unique_ptr<DutModel> (*make)(const char* instance, DutSignals& signals);

  AccelConfig hardware() const;
};

const std::vector<VariantInfo>& compiled_variants();

/// The compiled variant whose parameters equal the configuration's; ConfigError listing the compiled
/// variants when there is none (a configuration never silently runs on different hardware).
const VariantInfo& find_variant(const AccelConfig& config);

}  // namespace flipsim
