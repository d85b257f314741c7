#include "testbench/scoreboard.h"

#include <sstream>

#include "model/accel/golden.h"

namespace flipsim {

uint64_t Scoreboard::check(const std::string& what, const FeatureMap& expected, const FeatureMap& actual) {
  ++checks_;
  if (expected.height != actual.height || expected.width != actual.width || expected.channels != actual.channels) {
    const uint64_t all = std::max(expected.data.size(), actual.data.size());
    mismatches_ += all;
    if (first_.size() < kKeep) first_.push_back({what + " (shape)", -1, -1, -1, 0, 0});
    return all;
  }
  uint64_t bad = 0;
  for (int y = 0; y < expected.height; ++y)
    for (int x = 0; x < expected.width; ++x)
      for (int c = 0; c < expected.channels; ++c)
        if (expected.at(y, x, c) != actual.at(y, x, c)) {
          ++bad;
          if (first_.size() < kKeep) first_.push_back({what, y, x, c, expected.at(y, x, c), actual.at(y, x, c)});
        }
  mismatches_ += bad;
  return bad;
}

uint64_t Scoreboard::check_layer(const std::string& what, const FeatureMap& input, const ConvLayer& layer,
                                 const AccelConfig& accel, const FeatureMap& actual) {
  return check(what, golden_conv(input, layer, accel.data_bits, accel.acc_bits), actual);
}

FeatureMap CheckedEngine::run(const FeatureMap& input, const ConvLayer& layer, LayerRun* run) {
  FeatureMap out = primary_.run(input, layer, run);
  scoreboard_.check_layer(layer.name, input, layer, config_, out);
  return out;
}

std::string Scoreboard::summary() const {
  std::ostringstream out;
  out << checks_ << " layer outputs checked, " << mismatches_ << " mismatching values";
  for (const Mismatch& m : first_)
    out << "\n  " << m.what << " [y=" << m.y << " x=" << m.x << " c=" << m.c << "] expected " << m.expected
        << " got " << m.actual;
  return out.str();
}

}  // namespace flipsim
