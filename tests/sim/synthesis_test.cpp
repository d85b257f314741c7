// Synthesis costs through Yosys (sim/explore/synthesis.h), on the RTL's own leaf modules. Yosys is a required
// package (scripts/setup.sh): these tests run it, they do not skip without it.
#include "sim/explore/synthesis.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace flipsim {
namespace {

const std::string kRtl = FLIPSIM_RTL_DIR;
const std::vector<std::string> kEncoder = {"fs_pkg.sv", "fs_ecc_pkg.sv", "fs_ecc_encode.sv"};
const std::vector<std::string> kRegisters = {"fs_pkg.sv", "fs_ff.sv", "fs_ff_redundant.sv"};

TEST(Synthesis, EncoderHasCells) {
  CellCost cost = synthesize(kRtl, kEncoder, "fs_ecc_encode", {{"Width", 8}});
  EXPECT_GT(cost.cells, 0);
  EXPECT_GT(cost.transistors, 0);
  EXPECT_EQ(cost.flip_flops, 0);  // combinational
  EXPECT_FALSE(cost.transistors_partial);
}

TEST(Synthesis, WiderEncoderHasMoreCells) {
  CellCost narrow = synthesize(kRtl, kEncoder, "fs_ecc_encode", {{"Width", 8}});
  CellCost wide = synthesize(kRtl, kEncoder, "fs_ecc_encode", {{"Width", 32}});
  EXPECT_GT(wide.cells, narrow.cells);
  EXPECT_GT(wide.transistors, narrow.transistors);
}

TEST(Synthesis, RedundantRegisterCostsMoreThanAPlainOne) {
  CellCost plain = synthesize(kRtl, kRegisters, "fs_ff", {{"Width", 8}});
  CellCost redundant = synthesize(kRtl, kRegisters, "fs_ff_redundant", {{"Width", 8}});
  EXPECT_GT(redundant.cells, plain.cells);
  EXPECT_GT(redundant.transistors, plain.transistors);
  // The parameter reached the module, and the hierarchy was flattened: three copies of 8 bits.
  EXPECT_EQ(plain.flip_flops, 8);
  EXPECT_EQ(redundant.flip_flops, 3 * 8);
  // Yosys has no CMOS figure for flip-flops with asynchronous reset, and says so.
  EXPECT_TRUE(plain.transistors_partial);
}

TEST(Synthesis, DefinesReachTheSources) {
  // Without the fault hook a register is its flip-flops and the enable's multiplexers.
  CellCost hooked = synthesize(kRtl, kRegisters, "fs_ff", {{"Width", 8}});
  CellCost bare = synthesize(kRtl, kRegisters, "fs_ff", {{"Width", 8}}, {"FS_NO_FAULT_PORT"});
  EXPECT_LT(bare.cells, hooked.cells);
  EXPECT_EQ(bare.flip_flops, 8);
}

TEST(Synthesis, RepeatedCallsAgree) {
  CellCost first = synthesize(kRtl, kEncoder, "fs_ecc_encode", {{"Width", 16}});
  CellCost again = synthesize(kRtl, kEncoder, "fs_ecc_encode", {{"Width", 16}});
  EXPECT_EQ(first.cells, again.cells);
  EXPECT_EQ(first.transistors, again.transistors);
}

TEST(Synthesis, UnknownModuleThrowsNamingIt) {
  try {
    synthesize(kRtl, kEncoder, "fs_no_such_module", {});
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("fs_no_such_module"), std::string::npos) << e.what();
  }
}

TEST(Synthesis, MissingFileThrowsWithYosysLog) {
  try {
    synthesize(kRtl, {"fs_pkg.sv", "fs_not_there.sv"}, "fs_ff", {});
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("fs_not_there.sv"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("yosys -p"), std::string::npos) << e.what();
  }
}

TEST(Synthesis, CommandReproducesTheRun) {
  std::string command = synthesis_command("/rtl", {"fs_pkg.sv", "/abs/it's.sv"}, "fs_ff",
                                          {{"Width", 16}, {"Group", 3}}, {"FS_NO_FAULT_PORT"});
  EXPECT_EQ(command,
            "yosys -p 'read_verilog -sv -DFS_NO_FAULT_PORT \"/rtl/fs_pkg.sv\" \"/abs/it'\\''s.sv\"; "
            "chparam -set Width 16 -set Group 3 fs_ff; synth -flatten -top fs_ff; stat -tech cmos'");
}

TEST(Synthesis, RejectsNamesTheScriptCannotHold) {
  EXPECT_THROW(synthesis_command(kRtl, kEncoder, "fs_ff; shell", {}), std::invalid_argument);
  EXPECT_THROW(synthesis_command(kRtl, kEncoder, "fs_ff", {{"Width 1; x", 1}}), std::invalid_argument);
  EXPECT_THROW(synthesis_command(kRtl, {"a\".sv"}, "fs_ff", {}), std::invalid_argument);
  EXPECT_THROW(synthesis_command(kRtl, kEncoder, "fs_ff", {}, {"A=1"}), std::invalid_argument);
}

}  // namespace
}  // namespace flipsim
