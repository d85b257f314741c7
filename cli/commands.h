// Each subcommand of the flipsim binary registers itself on the top-level CLI11 app.
#pragma once

#include <CLI/CLI.hpp>

namespace flipsim::cli {

/// Subcommands set `exit_code` when their work reports a failure (e.g. RTL/golden mismatches).
void register_gemm(CLI::App& app, int& exit_code);
void register_infer(CLI::App& app, int& exit_code);

}  // namespace flipsim::cli
