// Logic cost of the RTL's modules, from a generic synthesis with Yosys (`synth`, no technology library): the
// numbers compare circuits with each other (a protected register against a plain one), not against silicon.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace flipsim {

/// What Yosys's `stat -tech cmos` reports for one synthesized module.
struct CellCost {
  int cells = 0;           ///< Yosys generic cells ($_AND_, $_MUX_, $_DFF_PN0_, ...), flip-flops included
  long transistors = 0;    ///< Yosys's CMOS transistor estimate of the cells it has a figure for
  int flip_flops = 0;      ///< flip-flop cells among `cells` ($_DFF*, $_SDFF*, ...)
  /// Yosys has no figure for some cells (it prints the estimate with a '+'): in this RTL the flip-flops, whose
  /// asynchronous reset makes them $_DFF_PN0_. `transistors` then leaves them out; price them from flip_flops.
  bool transistors_partial = false;
};

/// Synthesizes `module` with Yosys and returns its cost. Reads `files` (relative to `rtl_dir`, or absolute; the
/// packages first, e.g. {"fs_pkg.sv", "fs_ecc_pkg.sv", "fs_ecc_encode.sv"}) as SystemVerilog with each of
/// `defines` set (e.g. "FS_NO_FAULT_PORT"), overrides `params` (chparam), flattens the hierarchy under `module`
/// and runs `synth` then `stat -tech cmos`. Results are cached in-process per command line. Throws
/// std::invalid_argument on a name or path that the Yosys script could not quote, std::runtime_error naming the
/// command (and the end of Yosys's log) when Yosys is missing, fails, or prints no statistics.
CellCost synthesize(const std::string& rtl_dir, const std::vector<std::string>& files, const std::string& module,
                    const std::vector<std::pair<std::string, long>>& params,
                    const std::vector<std::string>& defines = {});

/// The shell command synthesize() runs for the same arguments ("the command that reproduces it", for the docs).
std::string synthesis_command(const std::string& rtl_dir, const std::vector<std::string>& files,
                              const std::string& module, const std::vector<std::pair<std::string, long>>& params,
                              const std::vector<std::string>& defines = {});

}  // namespace flipsim
