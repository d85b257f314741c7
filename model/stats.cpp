#include "model/stats.h"

#include "accel/stats.h"

namespace flipsim::model {

Proportion wilson(uint64_t successes, uint64_t trials, double z) {
  if (trials == 0) return {0.0, 0.0, 1.0};
  const auto [low, high] = wilson_interval_z(successes, trials, z);
  return {double(successes) / double(trials), low, high};
}

}  // namespace flipsim::model
