// Compares what the RTL produced with what the golden model expects, layer by layer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/accel/layer.h"

namespace flipsim {

class Scoreboard {
 public:
  struct Mismatch {
    std::string what;
    int y, x, c;
    int32_t expected, actual;
  };

  /// Compares two maps; returns the number of differing values (shape differences count as all).
  uint64_t check(const std::string& what, const FeatureMap& expected, const FeatureMap& actual);

  uint64_t checks() const { return checks_; }
  uint64_t mismatches() const { return mismatches_; }
  /// The first few mismatches, for messages.
  const std::vector<Mismatch>& first_mismatches() const { return first_; }
  std::string summary() const;

 private:
  static constexpr size_t kKeep = 8;
  uint64_t checks_ = 0;
  uint64_t mismatches_ = 0;
  std::vector<Mismatch> first_;
};

}  // namespace flipsim
