#include "model/nn/clip_calibration.h"

#include <algorithm>
#include <limits>
#include <string>

#include "model/accel/golden.h"
#include "model/common/config_error.h"

namespace flipsim::nn {

void calibrate_clip_ranges(QNetwork& net, const AccelConfig& accel, const ImageSet& images, size_t count) {
  if (count == 0 || count > images.size())
    throw ConfigError(net.source + ": clipping calibration needs 1 to " + std::to_string(images.size()) +
                      " images, got " + std::to_string(count));
  std::vector<size_t> clipped = net.accel_ops();
  if (!clipped.empty()) clipped.pop_back();
  // Set on the layers only after every run, so that no run is clipped by a partial range (or an earlier one).
  std::vector<std::vector<ClipRange>> ranges;
  for (size_t op : clipped) {
    net.ops[op].layer.clip.clear();
    ranges.emplace_back(size_t(net.ops[op].layer.out_channels),
                        ClipRange{std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::min()});
  }
  GoldenEngine engine(accel);
  for (size_t i = 0; i < count; ++i) {
    const std::vector<FeatureMap> acts = net.run(net.quantize_image(images.image(i)), engine);
    for (size_t k = 0; k < clipped.size(); ++k) {
      const FeatureMap& out = acts[size_t(net.ops[clipped[k]].output)];
      for (size_t j = 0; j < out.data.size(); ++j) {
        ClipRange& r = ranges[k][j % size_t(out.channels)];
        r.lo = std::min(r.lo, out.data[j]);
        r.hi = std::max(r.hi, out.data[j]);
      }
    }
  }
  for (size_t k = 0; k < clipped.size(); ++k) net.ops[clipped[k]].layer.clip = std::move(ranges[k]);
}

}  // namespace flipsim::nn
