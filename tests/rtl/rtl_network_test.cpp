// Every shipped network runs on the RTL bit-exactly: each accelerator layer's output equals the golden
// model's on sample test images (int8 networks on the int8 variant, int16 networks on the int16 one).
#include <gtest/gtest.h>

#include "model/accel/golden.h"
#include "model/accel/layer_plan.h"
#include "model/nn/clip_calibration.h"
#include "model/nn/idx_dataset.h"
#include "model/nn/infer_config.h"
#include "model/nn/onnx_import.h"
#include "model/nn/quantize.h"
#include "rtl_fixture.h"

namespace flipsim {
namespace {

class RtlNetwork : public ::testing::TestWithParam<const char*> {};

TEST_P(RtlNetwork, EqualsGoldenOnTestImages) {
  AccelConfig accel = test_accel();
  // A protectable accelerator runs the networks with every code and copy in use, clipping activations to ranges
  // calibrated on few images (so that the test images' activations are clipped too).
  if (accel.protectable) {
    accel.protection.buffer.fill(Code::kSecded);
    accel.protection.registers.fill(Redundancy::kTmr);
    accel.protection.clip_activations = true;
  }
  const std::string suffix = accel.data_bits == 16 ? "_int16" : "";
  if (accel.rows != 8 || accel.cols != 8) GTEST_SKIP() << "the shipped networks target the 8x8 variants";
  const nn::InferConfig config =
      nn::load_infer_config(std::string(FLIPSIM_SOURCE_DIR) + "/configs/infer/" + GetParam() + suffix + ".yaml");
  AccelConfig network_accel = config.accel;
  network_accel.protectable = accel.protectable;  // the same array and buffers, with room for protection
  ASSERT_TRUE(network_accel.same_hardware(accel));
  const nn::ImageSet train = nn::load_fashion_mnist(config.dataset_dir, nn::Split::kTrain);
  const nn::ImageSet test = nn::load_fashion_mnist(config.dataset_dir, nn::Split::kTest);
  nn::QNetwork net = nn::quantize_network(nn::import_onnx_file(config.model), train,
                                          size_t(config.calibration_images), {config.data_bits, accel.acc_bits});
  if (accel.protection.clip_activations) nn::calibrate_clip_ranges(net, accel, train, 20);
  RtlEngine rtl(accel, {});
  GoldenEngine golden(accel);
  nn::QNetwork unclipped = net;
  for (size_t op : unclipped.accel_ops()) unclipped.ops[op].layer.clip.clear();
  bool clipped_some = false;
  for (size_t image : {size_t(0), size_t(1)}) {
    const FeatureMap input = net.quantize_image(test.image(image));
    const auto expected = net.run(input, golden);
    clipped_some = clipped_some || expected != unclipped.run(input, golden);
    nn::NetworkRun run;
    const auto actual = net.run(input, rtl, &run);
    for (size_t op = 0; op < net.ops.size(); ++op)
      EXPECT_EQ(actual[size_t(net.ops[op].output)], expected[size_t(net.ops[op].output)])
          << GetParam() << suffix << " image " << image << " op " << net.ops[op].name;
    // The schedule's cycle count (clip reads included), over every pass of every layer.
    uint64_t scheduled = 0;
    for (size_t op : net.accel_ops()) {
      const nn::QValue& in = net.values[size_t(net.ops[op].inputs[0])];
      const LayerPlan plan = plan_layer(in.height, in.width, net.ops[op].layer, accel);
      for (const LayerPass& pass : plan.passes) scheduled += pass_busy_cycles(plan, pass, accel);
    }
    EXPECT_EQ(run.cycles, scheduled);
  }
  EXPECT_EQ(clipped_some, accel.protection.clip_activations) << "the test images must reach the clipping";
}

INSTANTIATE_TEST_SUITE_P(Shipped, RtlNetwork, ::testing::Values("mlp", "lenet5", "cnn", "resnet"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace flipsim
