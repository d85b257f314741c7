#include "model/soft_error/plot.h"

#include <cstdlib>
#include <stdexcept>

namespace flipsim::model {
namespace {

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

void run(const std::string& command) {
  if (std::system(command.c_str()) != 0) throw std::runtime_error("plotting failed: " + command);
}

}  // namespace

std::string findings_script() {
  if (const char* env = std::getenv("FLIPSIM_FINDINGS_SCRIPT")) return env;
  return std::string(FLIPSIM_SOURCE_DIR) + "/scripts/findings.py";
}

void plot_sweeps(const std::string& png, const std::vector<std::string>& json_files) {
  std::string cmd = "/usr/bin/python3 " + quoted(findings_script()) + " plot " + quoted(png);
  for (const std::string& f : json_files) cmd += " " + quoted(f);
  run(cmd);
}

void plot_layers(const std::string& png, const std::string& json_file) {
  run("/usr/bin/python3 " + quoted(findings_script()) + " plot-layers " + quoted(png) + " " + quoted(json_file));
}

void plot_validation(const std::string& png, const std::string& json_file) {
  run("/usr/bin/python3 " + quoted(findings_script()) + " plot-validate " + quoted(png) + " " + quoted(json_file));
}

void plot_explore(const std::string& png, const std::string& json_file) {
  run("/usr/bin/python3 " + quoted(findings_script()) + " plot-explore " + quoted(png) + " " + quoted(json_file));
}

}  // namespace flipsim::model
