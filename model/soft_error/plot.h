// PNG plots of sweep results, drawn by scripts/findings.py with Debian's matplotlib (/usr/bin/python3).
#pragma once

#include <string>
#include <vector>

namespace flipsim::model {

/// Accuracy against per-bit error rate for every result file in `json_files` on one set of axes (measured methods
/// with their confidence intervals, model curves as lines). Throws std::runtime_error when the plotter fails.
void plot_sweeps(const std::string& png, const std::vector<std::string>& json_files);

/// Per-layer sensitivity curves from a `flipsim model --layers --json` result file.
void plot_layers(const std::string& png, const std::string& json_file);

/// Measured accuracy (with its interval) against the prediction from a `flipsim validate --json` result file.
void plot_validation(const std::string& png, const std::string& json_file);

/// Cost against critical-SDC rate per protection option, from `flipsim explore --json`.
void plot_explore(const std::string& png, const std::string& json_file);

/// The plotting script (scripts/findings.py in the source tree; FLIPSIM_FINDINGS_SCRIPT overrides it).
std::string findings_script();

}  // namespace flipsim::model
