// Runs the flipsim binary under test (FLIPSIM_BINARY) with arguments and captures what it prints.
#pragma once

#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>

namespace flipsim::test {

struct CliRun {
  int status;          ///< exit code (-1: did not exit normally)
  std::string output;  ///< stdout and stderr
};

/// Runs a shell command line (e.g. the binary under mpirun) and captures what it prints.
inline CliRun run_command(const std::string& command) {
  const std::string cmd = command + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), pipe)) out.append(buf, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

inline CliRun run_flipsim(const std::string& args) { return run_command(std::string(FLIPSIM_BINARY) + " " + args); }

/// The JSON object a `--json` run printed, after whatever else it wrote first.
inline nlohmann::json json_output(const CliRun& r) { return nlohmann::json::parse(r.output.substr(r.output.find('{'))); }

}  // namespace flipsim::test
