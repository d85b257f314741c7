#include "model/common/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace flipsim {

ProgressLine::ProgressLine(std::string unit, uint64_t total, uint64_t already, bool enabled)
    : unit_(std::move(unit)),
      total_(total),
      done_(already),
      start_done_(already),
      enabled_(enabled && isatty(2)),
      start_(std::chrono::steady_clock::now()) {}

void ProgressLine::add(uint64_t n) {
  if (!enabled_) return;
  const std::lock_guard<std::mutex> lock(mutex_);
  done_ += n;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(250) && done_ < total_) return;
  last_ = now;
  const double s = std::chrono::duration<double>(now - start_).count();
  const double rate = s > 0 ? double(done_ - start_done_) / s : 0;
  const double eta = rate > 0 ? double(total_ - std::min(done_, total_)) / rate : 0;
  std::fprintf(stderr, "\r  %llu / %llu %s  %.1f/s  ETA %.0f s   ", (unsigned long long)done_,
               (unsigned long long)total_, unit_.c_str(), rate, eta);
  if (done_ >= total_) std::fprintf(stderr, "\n");
}

}  // namespace flipsim
