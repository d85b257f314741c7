#include "sim/explore/synthesis.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace flipsim {
namespace {

namespace fs = std::filesystem;

// Module, parameter and macro names go into the Yosys script unquoted: only identifiers may.
void require_identifier(const std::string& what, const std::string& name) {
  static const std::regex identifier("[A-Za-z_][A-Za-z0-9_]*");
  if (!std::regex_match(name, identifier))
    throw std::invalid_argument("synthesis: " + what + " '" + name + "' is not an identifier");
}

// File names go into the script in double quotes; Yosys has no escape for a quote, and splits commands at ';'.
std::string quoted_path(const std::string& rtl_dir, const std::string& file) {
  std::string path = (fs::absolute(rtl_dir) / file).lexically_normal().string();
  if (path.find_first_of("\";\n") != std::string::npos)
    throw std::invalid_argument("synthesis: cannot quote the path '" + path + "' in a Yosys script");
  return '"' + path + '"';
}

std::string yosys_script(const std::string& rtl_dir, const std::vector<std::string>& files,
                         const std::string& module, const std::vector<std::pair<std::string, long>>& params,
                         const std::vector<std::string>& defines) {
  require_identifier("module", module);
  std::ostringstream script;
  script << "read_verilog -sv";
  for (const auto& define : defines) {
    require_identifier("define", define);
    script << " -D" << define;
  }
  for (const auto& file : files) script << ' ' << quoted_path(rtl_dir, file);
  if (!params.empty()) {
    script << "; chparam";
    for (const auto& [name, value] : params) {
      require_identifier("parameter", name);
      script << " -set " << name << ' ' << value;
    }
    script << ' ' << module;
  }
  // -flatten: the cost of everything under the module, counted once in its own statistics.
  script << "; synth -flatten -top " << module << "; stat -tech cmos";
  return script.str();
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// A fresh directory under the system temp dir, removed with this object.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "flipsim-yosys-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("synthesis: cannot create a temp dir " + pattern + ": " + std::strerror(errno));
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string tail_lines(const std::string& text, int lines) {
  size_t at = text.size();
  while (lines-- > 0 && at > 0) {
    at = text.rfind('\n', at - 1);
    if (at == std::string::npos) return text;
  }
  return text.substr(at == 0 ? 0 : at + 1);
}

// Runs yosys -p `script` without a shell (no quoting of arguments involved), stdout and stderr into `log`.
// Returns the exit status; throws when yosys cannot be started.
int run_yosys(const std::string& script, const fs::path& log, const std::string& command) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::string arg0 = "yosys", arg1 = "-p", arg2 = script;
  char* argv[] = {arg0.data(), arg1.data(), arg2.data(), nullptr};
  pid_t pid = 0;
  int err = posix_spawnp(&pid, "yosys", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0)
    throw std::runtime_error("synthesis: cannot run yosys (" + std::string(std::strerror(err)) +
                             "; is it installed and on PATH?): " + command);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("synthesis: waitpid failed: " + std::string(std::strerror(errno)));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

// The last `stat` in the log: the one after synthesis (synth prints its own, without transistors, before it).
// Example of what it parses:
//    Number of cells:                 66
//      $_DFF_PN0_                      8
//      $_MUX_                         24
//    Estimated number of transistors:        536+
bool parse_stat(const std::string& log, CellCost& cost) {
  size_t at = log.rfind("Printing statistics.");
  if (at == std::string::npos) return false;
  std::string stat = log.substr(at);
  // With several modules left, the totals are under "design hierarchy" (not expected after -flatten).
  size_t totals = stat.find("=== design hierarchy ===");
  if (totals != std::string::npos) stat = stat.substr(totals);
  static const std::regex cells(R"(Number of cells:\s+(\d+))");
  static const std::regex storage_cell(R"(\s+\$_\w*(DFF|DLATCH)\w*\s+(\d+)\s*)");
  static const std::regex transistors(R"(Estimated number of transistors:\s+(\d+)(\+?))");
  std::smatch m;
  if (!std::regex_search(stat, m, cells)) return false;
  cost.cells = std::stoi(m[1]);
  if (!std::regex_search(stat, m, transistors)) return false;
  cost.transistors = std::stol(m[1]);
  cost.transistors_partial = m[2] == "+";
  // The cell types are listed between the cell count and the transistor estimate.
  std::istringstream lines(stat.substr(0, stat.find("Estimated number of transistors")));
  for (std::string line; std::getline(lines, line);) {
    if (std::regex_match(line, m, storage_cell)) cost.flip_flops += std::stoi(m[2]);
  }
  return true;
}

}  // namespace

std::string synthesis_command(const std::string& rtl_dir, const std::vector<std::string>& files,
                              const std::string& module, const std::vector<std::pair<std::string, long>>& params,
                              const std::vector<std::string>& defines) {
  return "yosys -p " + shell_quote(yosys_script(rtl_dir, files, module, params, defines));
}

CellCost synthesize(const std::string& rtl_dir, const std::vector<std::string>& files, const std::string& module,
                    const std::vector<std::pair<std::string, long>>& params,
                    const std::vector<std::string>& defines) {
  // The command line names every input, so it is the cache key. Each synthesis takes a fraction of a second to
  // seconds, and an exploration asks for the same few modules many times.
  static std::mutex mutex;
  static std::map<std::string, CellCost> cache;
  const std::string script = yosys_script(rtl_dir, files, module, params, defines);
  const std::string command = "yosys -p " + shell_quote(script);
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto hit = cache.find(command);
    if (hit != cache.end()) return hit->second;
  }

  TempDir dir;  // holds the log; Yosys (and abc, which it runs) write nothing else where we look
  const fs::path log_path = dir.path() / "yosys.log";
  int status = run_yosys(script, log_path, command);
  std::string log = read_all(log_path);
  CellCost cost;
  if (status != 0)
    throw std::runtime_error("synthesis: yosys exited with status " + std::to_string(status) + ": " + command +
                             "\n... " + tail_lines(log, 12));
  if (!parse_stat(log, cost))
    throw std::runtime_error("synthesis: no cell statistics in the output of: " + command + "\n... " +
                             tail_lines(log, 12));

  std::lock_guard<std::mutex> lock(mutex);
  cache.emplace(command, cost);
  return cost;
}

}  // namespace flipsim
