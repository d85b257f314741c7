// What the CLI campaign tests share: a database's whole observable result, and a flipsim run in the background
// that the test kills (SIGKILL) once it has stored some injections.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sim/campaign/result_store.h"

namespace flipsim::test {

/// Every column of every row, as text (the whole observable result of a campaign).
inline std::vector<std::string> rows(const std::string& db) {
  ResultStore store(db);
  std::vector<std::string> out;
  for (const InjectionRecord& r : store.injections()) {
    std::ostringstream s;
    s << r.id << '|' << r.image << '|' << r.label << '|' << r.fault_model << '|' << r.site_id << '|' << r.site << '|'
      << r.site_class << '|' << r.row << '|' << r.col << '|' << r.bit << '|' << r.mask << '|' << r.flips << '|'
      << r.layer << '|' << r.pass << '|' << r.cycle << '|' << r.outcome << '|' << r.masked_at << '|' << r.first_diff
      << '|' << r.max_logit_dev << '|' << r.golden_top1 << '|' << r.faulty_top1 << '|' << r.cycles_simulated;
    out.push_back(s.str());
  }
  return out;
}

/// Starts `flipsim args...` in the background; its pid is the flipsim process itself (exec, no shell).
inline pid_t start_flipsim(const std::vector<std::string>& args) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv{const_cast<char*>(FLIPSIM_BINARY)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(FLIPSIM_BINARY, argv.data());
    _exit(127);
  }
  return pid;
}

/// Rows stored in `db` so far (0 while the file is not there or not yet a campaign database).
inline size_t stored_rows(const std::string& db) {
  if (!std::filesystem::exists(db)) return 0;
  try {
    return rows(db).size();
  } catch (const std::exception&) {
    return 0;
  }
}

/// Waits until `db` holds at least `at_least` rows (30 s at most).
inline void wait_until_stored(const std::string& db, size_t at_least) {
  for (int i = 0; i < 600 && stored_rows(db) < at_least; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

/// SIGKILLs `pid` once `db` holds at least `at_least` rows (or after 30 s); returns the rows stored then.
inline size_t kill_when_stored(pid_t pid, const std::string& db, size_t at_least) {
  wait_until_stored(db, at_least);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  return stored_rows(db);
}

}  // namespace flipsim::test
