#include "testbench/fault.h"

#include <random>

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

std::vector<SramFault> draw_ber_faults(const Injection& inj, const SiteMap& map, int pass) {
  std::mt19937_64 rng(inj.stream + uint64_t(pass));
  std::vector<SramFault> faults;
  for (Buffer b : inj.ber_buffers) {
    // Check bits in use are stored bits too: they flip at the same rate.
    const uint64_t lane_bits = uint64_t(map.stored_bits(b)), lanes = uint64_t(map.lanes(b));
    const uint64_t bits = uint64_t(map.depth(b)) * lanes * lane_bits;
    const uint64_t k = std::binomial_distribution<uint64_t>(bits, inj.ber)(rng);
    for (uint64_t i = 0; i < k; ++i) {
      const uint64_t at = std::uniform_int_distribution<uint64_t>(0, bits - 1)(rng);
      faults.push_back(SramFault{int(b), uint32_t(at / (lane_bits * lanes)), int((at / lane_bits) % lanes),
                                 uint64_t(1) << (at % lane_bits)});
    }
  }
  return faults;
}

}  // namespace flipsim
