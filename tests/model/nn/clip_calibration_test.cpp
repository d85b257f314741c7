// Activation-clipping ranges: each channel's fault-free range over the calibration images, on every accelerator
// layer but the logits'.
#include "model/nn/clip_calibration.h"

#include <gtest/gtest.h>

#include "model/accel/golden.h"
#include "model/common/config_error.h"
#include "model/nn/onnx_import.h"
#include "model/nn/quantize.h"
#include "test_paths.h"

namespace flipsim::nn {
namespace {

constexpr size_t kCalibration = 30;

struct Calibrated {
  QNetwork unclipped, clipped;
  ImageSet train;
};

const Calibrated& lenet() {
  static const Calibrated c = [] {
    Calibrated c;
    c.train = load_fashion_mnist(testing::kDatasetDir, Split::kTrain, 200);
    c.unclipped = quantize_network(import_onnx_file(testing::model_path("lenet5")), c.train, 200, {});
    c.clipped = c.unclipped;
    calibrate_clip_ranges(c.clipped, AccelConfig{}, c.train, kCalibration);
    return c;
  }();
  return c;
}

TEST(ClipCalibration, EveryLayerButTheLogitsGetsOneRangePerChannel) {
  const QNetwork& net = lenet().clipped;
  const std::vector<size_t> ops = net.accel_ops();
  ASSERT_EQ(ops.size(), 5u);
  for (size_t k = 0; k + 1 < ops.size(); ++k) {
    const ConvLayer& layer = net.ops[ops[k]].layer;
    ASSERT_EQ(layer.clip.size(), size_t(layer.out_channels)) << layer.name;
    for (const ClipRange& r : layer.clip) EXPECT_LE(r.lo, r.hi) << layer.name;
  }
  EXPECT_TRUE(net.ops[ops.back()].layer.clip.empty());
}

// The ranges are exactly the calibration runs' extremes: those runs are never clipped, and every bound is met.
TEST(ClipCalibration, RangesAreTheCalibrationImagesExtremes) {
  const Calibrated& c = lenet();
  GoldenEngine engine{AccelConfig{}};
  const std::vector<size_t> ops = c.clipped.accel_ops();
  std::vector<std::vector<bool>> lo_met(ops.size()), hi_met(ops.size());
  for (size_t k = 0; k + 1 < ops.size(); ++k) {
    lo_met[k].assign(c.clipped.ops[ops[k]].layer.clip.size(), false);
    hi_met[k] = lo_met[k];
  }
  for (size_t i = 0; i < kCalibration; ++i) {
    const FeatureMap input = c.unclipped.quantize_image(c.train.image(i));
    const std::vector<FeatureMap> plain = c.unclipped.run(input, engine);
    ASSERT_EQ(c.clipped.run(input, engine), plain) << "calibration image " << i << " was clipped";
    for (size_t k = 0; k + 1 < ops.size(); ++k) {
      const QOp& op = c.clipped.ops[ops[k]];
      const FeatureMap& out = plain[size_t(op.output)];
      for (size_t j = 0; j < out.data.size(); ++j) {
        const size_t o = j % size_t(out.channels);
        lo_met[k][o] = lo_met[k][o] || out.data[j] == op.layer.clip[o].lo;
        hi_met[k][o] = hi_met[k][o] || out.data[j] == op.layer.clip[o].hi;
      }
    }
  }
  for (size_t k = 0; k + 1 < ops.size(); ++k)
    for (size_t o = 0; o < lo_met[k].size(); ++o)
      EXPECT_TRUE(lo_met[k][o] && hi_met[k][o]) << c.clipped.ops[ops[k]].name << " channel " << o;
  // Images it was not calibrated on do reach the bounds.
  bool clipped_some = false;
  for (size_t i = kCalibration; i < 100 && !clipped_some; ++i) {
    const FeatureMap input = c.unclipped.quantize_image(c.train.image(i));
    clipped_some = c.clipped.run(input, engine) != c.unclipped.run(input, engine);
  }
  EXPECT_TRUE(clipped_some);
}

TEST(ClipCalibration, BadImageCountIsAClearError) {
  QNetwork net = lenet().unclipped;
  EXPECT_THROW(calibrate_clip_ranges(net, AccelConfig{}, lenet().train, 0), ConfigError);
  EXPECT_THROW(calibrate_clip_ranges(net, AccelConfig{}, lenet().train, 201), ConfigError);
}

}  // namespace
}  // namespace flipsim::nn
