// One fault as the testbench applies it: what it does (the fault model), where (a site of the site map, or the
// buffers a bit-error rate covers), and when (pass and busy cycle). The campaign draws it; the fault injector
// (fault_injector.h) alone decides what each model means on the DUT's fault ports.
#pragma once

#include <cstdint>
#include <vector>

#include "testbench/site_map.h"

namespace flipsim {

enum class FaultModel {
  kFlip,      ///< single-bit upset: flip-flops at one cycle; SRAM bits stored until the word is rewritten
  kMultiBit,  ///< `bits` adjacent bits upset together
  kStuckAt0,  ///< flip-flop bit forced to 0 for `duration` cycles (0: the whole inference)
  kStuckAt1,
  kSramFlip,  ///< as kFlip, restricted to SRAM sites
  kSramBer,   ///< every stored bit flips with probability `ber`, at the start of every pass
};
constexpr int kNumFaultModels = 6;
const char* fault_model_name(FaultModel m);

struct Injection {
  uint64_t id = 0;
  int image = 0;  ///< test-set index
  FaultModel model = FaultModel::kFlip;
  bool has_site = false;  ///< false for the bit-error-rate mode
  Site site;
  uint64_t mask = 0;    ///< bits of the register / SRAM lane that the fault touches
  int pass = 0;         ///< pass the fault starts in
  uint64_t offset = 0;  ///< busy cycle within that pass
  uint64_t cycle = 0;   ///< busy cycle within the inference
  uint64_t hold = 1;    ///< cycles a flip-flop fault is applied (0: until the inference ends)
  uint64_t stream = 0;  ///< seed of this injection's own random stream (bit-error-rate draws)
  double ber = 0;       ///< bit-error-rate mode: per-bit flip probability of every stored bit, every pass
  std::vector<Buffer> ber_buffers;  ///< bit-error-rate mode: the buffers it covers
};

/// fs_pkg::sram_fault_t: XOR flip_mask into one lane of one stored word.
struct SramFault {
  int buffer = 0;  ///< fs_pkg::buffer_e
  uint32_t word = 0;
  int lane = 0;
  uint64_t flip_mask = 0;
};

/// The stored bits a bit-error-rate injection flips at the start of `pass` (after the pass's buffers are
/// loaded): every bit of `ber_buffers` with probability `ber`, drawn from the injection's stream and the pass
/// alone. The one draw both the RTL (FaultInjector::apply) and the architectural model's path use.
std::vector<SramFault> draw_ber_faults(const Injection& injection, const SiteMap& map, int pass);

}  // namespace flipsim
