// A progress line for long work: done / total, rate and ETA, redrawn in place on stderr.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace flipsim {

/// Draws "done / total <unit>  rate/s  ETA" on stderr at most four times a second, and only when stderr is a
/// terminal, so that CI logs and redirected output stay quiet. add() may be called from several threads.
class ProgressLine {
 public:
  /// `already`: work done before this run (a resumed campaign), counted as done but not in the rate.
  ProgressLine(std::string unit, uint64_t total, uint64_t already = 0, bool enabled = true);
  void add(uint64_t n = 1);

 private:
  std::string unit_;
  uint64_t total_, done_, start_done_;
  bool enabled_;
  std::chrono::steady_clock::time_point start_, last_;
  std::mutex mutex_;
};

}  // namespace flipsim
