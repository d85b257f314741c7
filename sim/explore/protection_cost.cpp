#include "sim/explore/protection_cost.h"

#include "model/accel/arch_model.h"
#include "sim/explore/synthesis.h"

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
  static const std::vector<std::string> files = {"fs_pkg.sv",         "fs_ecc_pkg.sv", "fs_ecc_encode.sv",
                                                 "fs_ecc_decode.sv",  "fs_ff.sv",      "fs_ff_redundant.sv",
                                                 kWrappers};
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
  for (int b = 0; b < kNumBuffers; ++b) {
    const Buffer buffer = Buffer(b);
    const Code code = p.buffer[size_t(b)];
    const int width = (buffer == Buffer::kBbuf || buffer == Buffer::kAccbuf) ? accel.acc_bits : accel.data_bits;
    const int lanes = buffer == Buffer::kAbuf ? accel.rows : accel.cols;
    const int depths[kNumBuffers] = {accel.abuf_depth, accel.wbuf_depth, accel.bbuf_depth, accel.accbuf_depth,
                                     accel.obuf_depth};
    static_assert(int(Buffer::kAbuf) == 0 && int(Buffer::kWbuf) == 1 && int(Buffer::kBbuf) == 2 &&
                      int(Buffer::kAccbuf) == 3 && int(Buffer::kObuf) == 4,
                  "depths[] follows Buffer's order");
    cost.storage_bits += uint64_t(depths[b]) * uint64_t(lanes) * uint64_t(code_bits(code, width));
    const auto [cells, transistors] = lane_cost(width, code, zero);  // one encoder and one decoder per lane
    cost.cells += lanes * cells;
    cost.transistors += lanes * transistors;
  }
  const int widths[kNumPeRegisters] = {accel.data_bits, accel.data_bits, accel.acc_bits, 1};
  const long pes = long(accel.rows) * accel.cols;
  for (int r = 0; r < kNumPeRegisters; ++r) {
    const Redundancy redundancy = p.pe[size_t(r)];
    cost.flip_flop_bits +=
        uint64_t(pes) * uint64_t(copies(redundancy) - 1) * uint64_t(widths[r] - protected_lsb(redundancy, widths[r]));
    const auto [cells, transistors] = register_overhead(widths[r], redundancy, zero);
    cost.cells += pes * cells;
    cost.transistors += pes * transistors;
  }
  return cost;
}

std::string cost_command_example() {
  return synthesis_command(kRtlDir, cost_files(), "flipsim_cost_register",
                           {{"Width", 32}, {"Redund", long(Redundancy::kTmr)}, {"Zero", 0}}, kDefines);
}

}  // namespace flipsim
