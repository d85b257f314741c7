// CPU time as the kernel counts it, for reports of where a run's time went.
#pragma once

#include <sys/resource.h>

namespace flipsim {

/// User plus system CPU seconds of this process (RUSAGE_SELF) or of its children waited for (RUSAGE_CHILDREN).
inline double cpu_seconds(int who = RUSAGE_SELF) {
  rusage u{};
  getrusage(who, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

}  // namespace flipsim
