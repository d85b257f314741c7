#include "sim/explore/protection_cost.h"

#include "model/accel/arch_model.h"
#include "sim/explore/synthesis.h"
#include "testbench/site_map.h"

namespace flipsim {

namespace {

// Yosys prices no flip-flop with an asynchronous reset ($_DFF_PN0_); a static CMOS D flip-flop with reset is
// about 24 transistors in a standard-cell library.
constexpr long kTransistorsPerFlipFlop = 24;

const std::string kRtlDir = std::string(FLIPSIM_SOURCE_DIR) + "/rtl";
const std::string kWrappers = std::string(FLIPSIM_SOURCE_DIR) + "/sim/explore/cost_wrappers.sv";
const std::vector<std::string> kDefines = {"FS_NO_FAULT_PORT"};

// Every protection module and the synthesis tops (which instantiate both kinds).
const std::vector<std::string>& cost_files() {
  static const std::vector<std::string> files = {"fs_pkg.sv",          "fs_ecc_pkg.sv", "fs_ecc_encode.sv",
                                                 "fs_ecc_decode.sv",   "fs_ff.sv",      "fs_ff_redundant.sv",
                                                 "fs_clip.sv",         kWrappers};
  return files;
}

long priced(const CellCost& c) { return c.transistors + (c.transistors_partial ? kTransistorsPerFlipFlop * c.flip_flops : 0); }

std::pair<long, long> lane_cost(int width, Code code, bool zero) {
  if (code == Code::kNone) return {0, 0};
  const CellCost c = synthesize(kRtlDir, cost_files(), "flipsim_cost_lane",
                                {{"Width", width}, {"Code", long(code)}, {"Zero", zero ? 1 : 0}}, kDefines);
  return {c.cells, priced(c)};
}

std::pair<long, long> register_overhead(int width, Redundancy r, bool zero) {
  if (r == Redundancy::kNone) return {0, 0};
  auto cost = [&](Redundancy mode) {
    return synthesize(kRtlDir, cost_files(), "flipsim_cost_register",
                      {{"Width", width}, {"Redund", long(mode)}, {"Zero", zero ? 1 : 0}}, kDefines);
  };
  const CellCost plain = cost(Redundancy::kNone), protected_ = cost(r);
  return {protected_.cells - plain.cells, priced(protected_) - priced(plain)};
}

}  // namespace

ProtectionCost protection_cost(const AccelConfig& accel) {
  ProtectionCost cost;
  const Protection& p = accel.protection;
  const bool zero = p.on_detect == OnDetect::kZero;
  // The site map is the one account of what the option stores: its check bits in use and its copies.
  const SiteMap map(accel);
  for (int b = 0; b < kNumBuffers; ++b) {
    const Buffer buffer = Buffer(b);
    const int width = map.lane_bits(buffer), lanes = map.lanes(buffer);
    cost.storage_bits += uint64_t(map.depth(buffer)) * uint64_t(lanes) * uint64_t(map.stored_bits(buffer) - width);
    const auto [cells, transistors] = lane_cost(width, p.buffer[size_t(b)], zero);  // an encoder and a decoder
    cost.cells += lanes * cells;
    cost.transistors += lanes * transistors;
  }
  for (const FfGroup& g : map.ff_groups()) {
    if (!g.replicated) continue;
    if (g.replica > 0) {
      cost.flip_flop_bits += uint64_t(g.width);
      continue;
    }
    // Only the PE's comparators zero a detected value (rtl/fs_ctrl.sv, rtl/fs_top.sv).
    const RegisterClass cls = *register_class(g.cls);
    const auto [cells, transistors] =
        register_overhead(g.width, p.registers[size_t(cls)], zero && int(cls) < kNumPeRegisters);
    cost.cells += cells;
    cost.transistors += transistors;
  }
  if (p.clip_activations) {
    // The bounds registers and the controller's read strobe are the flip-flops clipping adds to the site map; the
    // bounds live in bias-buffer words a pass leaves free, so no SRAM is added.
    AccelConfig unclipped = accel;
    unclipped.protection.clip_activations = false;
    cost.flip_flop_bits += map.ff_bits() - SiteMap(unclipped).ff_bits();
    const CellCost c = synthesize(kRtlDir, cost_files(), "flipsim_cost_clip", {{"Width", accel.data_bits}}, kDefines);
    cost.cells += accel.cols * c.cells;
    cost.transistors += accel.cols * priced(c);
  }
  return cost;
}

std::string cost_command_example() {
  return synthesis_command(kRtlDir, cost_files(), "flipsim_cost_register",
                           {{"Width", 32}, {"Redund", long(Redundancy::kTmr)}, {"Zero", 0}}, kDefines);
}

}  // namespace flipsim
