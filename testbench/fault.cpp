#include "testbench/fault.h"

namespace flipsim {

const char* fault_model_name(FaultModel m) {
  switch (m) {
    case FaultModel::kFlip: return "flip";
    case FaultModel::kMultiBit: return "multi_bit";
    case FaultModel::kStuckAt0: return "stuck_at_0";
    case FaultModel::kStuckAt1: return "stuck_at_1";
    case FaultModel::kSramFlip: return "sram_flip";
    case FaultModel::kSramBer: return "sram_ber";
  }
  return "?";
}

}  // namespace flipsim
