#include "model/nn/quantize.h"

#include <gtest/gtest.h>

#include <cmath>

#include "model/accel/accel_config.h"
#include "model/common/config_error.h"
#include "model/accel/golden.h"
#include "model/nn/float_executor.h"
#include "model/nn/onnx_import.h"
#include "tests/model/nn/onnx_builder.h"
#include "tests/model/nn/test_paths.h"

namespace flipsim::nn {
namespace {

const ImageSet& test_images() {
  static const ImageSet set = load_fashion_mnist(testing::kDatasetDir, Split::kTest);
  return set;
}

AccelConfig accel_for(int bits) {
  AccelConfig c;
  c.data_bits = bits;
  c.acc_bits = bits == 8 ? 32 : 48;
  return c;
}

// Dequantized integer logits against the float model's, image by image. A Gemm whose columns were not permuted
// from ONNX's CHW flatten to our HWC maps would be off by far more than the quantization error.
// Worst |dequantized integer logit - float logit| over images 200..259 relative to the largest float logit.
double worst_logit_error(const testing::OnnxBuilder& model, int bits) {
  const FloatGraph g = import_onnx_buffer(model.bytes(), "tiny.onnx");
  const QNetwork net = quantize_network(g, test_images(), 260, {bits, accel_for(bits).acc_bits});
  GoldenEngine engine(accel_for(bits));
  double worst = 0, range = 0;
  for (size_t n = 200; n < 260; ++n) {
    const auto acts = run_float_graph(g, image_to_tensor(test_images().image(n), 784));
    const std::vector<float>& f = acts[size_t(g.output_value)];
    const auto qacts = net.run(net.quantize_image(test_images().image(n)), engine);
    const FeatureMap& q = qacts[size_t(net.output_value)];
    if (q.data.size() != 10u) {
      ADD_FAILURE() << "expected 10 logits, got " << q.data.size();
      return 1e9;
    }
    for (size_t k = 0; k < 10; ++k) {
      worst = std::max(worst, std::fabs(q.data[k] * net.values[size_t(net.output_value)].scale - f[k]));
      range = std::max(range, double(std::fabs(f[k])));
    }
  }
  return worst / range;
}

class QuantizedAgreesWithFloat : public ::testing::TestWithParam<int> {};

// A few output LSBs of int8 (1/127 of the range each), far less for int16.
TEST_P(QuantizedAgreesWithFloat, OnFlattenedConvModel) {
  EXPECT_LT(worst_logit_error(testing::tiny_cnn(), GetParam()), GetParam() == 8 ? 0.05 : 0.0002);
}

TEST_P(QuantizedAgreesWithFloat, OnResidualModel) {
  EXPECT_LT(worst_logit_error(testing::tiny_resnet(), GetParam()), GetParam() == 8 ? 0.05 : 0.0002);
}

INSTANTIATE_TEST_SUITE_P(Bits, QuantizedAgreesWithFloat, ::testing::Values(8, 16));

TEST(Quantize, IntegerParametersFollowTheDocumentedRules) {
  const FloatGraph g = import_onnx_buffer(testing::tiny_cnn().bytes(), "tiny.onnx");
  const std::vector<double> max_abs = calibrate(g, test_images(), 50);
  const QNetwork net = quantize(g, max_abs, {8, 32});
  ASSERT_EQ(net.accel_ops().size(), 2u);
  // Input: pixels / 255 in [0, 1], the calibrated max is 1 (some pixel is 255), so 255 -> 127.
  EXPECT_DOUBLE_EQ(net.values[size_t(net.input_value)].scale, 1.0 / 127);
  EXPECT_EQ(net.input_lut[255], 127);
  EXPECT_EQ(net.input_lut[0], 0);
  EXPECT_EQ(net.input_lut[128], 64);  // 128 / 255 * 127 = 63.75
  const FloatOp& fconv = g.ops[0];
  const ConvLayer& conv = net.ops[0].layer;
  EXPECT_TRUE(conv.requant.relu);
  EXPECT_EQ(conv.requant.zero_point, 0);
  EXPECT_EQ(conv.stride, 2);
  EXPECT_EQ(conv.pad, 1);
  float max_w = 0;
  for (float w : fconv.weights) max_w = std::max(max_w, std::fabs(w));
  const double s_w = max_w / 127, s_in = 1.0 / 127, s_out = max_abs[size_t(fconv.output)] / 127;
  int32_t extreme = 0;
  for (int32_t w : conv.weights) extreme = std::max(extreme, std::abs(w));
  EXPECT_EQ(extreme, 127);
  // OIHW -> OHWI: weight(o=1, ky=2, kx=0, i=0) is ONNX element ((1 * 1 + 0) * 3 + 2) * 3 + 0.
  EXPECT_EQ(conv.weight(1, 2, 0, 0), std::lround(fconv.weights[15] / s_w));
  EXPECT_EQ(conv.bias[2], std::llround(fconv.bias[2] / (s_in * s_w)));
  const double m = conv.requant.multiplier * std::ldexp(1.0, -conv.requant.shift);
  EXPECT_NEAR(m, s_in * s_w / s_out, 1e-9 * m);
  EXPECT_DOUBLE_EQ(net.values[size_t(net.ops[1].output)].scale, s_out);  // max pool keeps the scale
  // Gemm on the flattened 7x7x4 map: HWC column (y=1, x=2, c=3) = (1 * 7 + 2) * 4 + 3 holds ONNX column
  // c * 49 + y * 7 + x.
  const FloatOp& fgemm = g.ops.back();
  const ConvLayer& gemm = net.ops.back().layer;
  float max_g = 0;
  for (float w : fgemm.weights) max_g = std::max(max_g, std::fabs(w));
  EXPECT_EQ(gemm.in_channels, 196);
  EXPECT_EQ(gemm.weight(4, 0, 0, (1 * 7 + 2) * 4 + 3),
            std::lround(fgemm.weights[4 * 196 + 3 * 49 + 1 * 7 + 2] / (max_g / 127)));
}

TEST(Quantize, UnfoldedBatchNormIsAnErrorNamingIt) {
  testing::OnnxBuilder b;
  b.random("w", {2, 1, 3, 3}, 0.7f, 11);
  for (const char* n : {"g", "be", "m", "v"}) b.floats(n, {2}, {1.0f, 1.0f});
  b.node("Conv", {"input", "w"}, {"c"}, "conv");
  b.node("BatchNormalization", {"c", "g", "be", "m", "v"}, {"bn"}, "lonely_bn");
  b.node("Add", {"bn", "c"}, {"s"}, "add");
  b.node("GlobalAveragePool", {"s"}, {"gap"});
  b.node("Flatten", {"gap"}, {"f"});
  b.random("fw", {10, 2}, 1.0f, 13);
  auto& gemm = b.node("Gemm", {"f", "fw"}, {"y"});
  testing::OnnxBuilder::attr(gemm, "transB", int64_t(1));
  b.output("y");
  const FloatGraph g = import_onnx_buffer(b.bytes(), "bn.onnx");
  try {
    quantize_network(g, test_images(), 5, {8, 32});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("bn.onnx: node 'lonely_bn'"), std::string::npos) << e.what();
  }
}

TEST(Quantize, RunExposesEveryLayersActivations) {
  const FloatGraph g = import_onnx_buffer(testing::tiny_cnn().bytes(), "tiny.onnx");
  const QNetwork net = quantize_network(g, test_images(), 20, {8, 32});
  GoldenEngine engine(accel_for(8));
  NetworkRun cost;
  const auto acts = net.run(net.quantize_image(test_images().image(0)), engine, &cost);
  ASSERT_EQ(acts.size(), net.values.size());
  for (size_t v = 0; v < acts.size(); ++v) {
    EXPECT_EQ(acts[v].height, net.values[v].height) << v;
    EXPECT_EQ(acts[v].width, net.values[v].width) << v;
    EXPECT_EQ(acts[v].channels, net.values[v].channels) << v;
    for (int32_t x : acts[v].data) EXPECT_TRUE(x >= -128 && x <= 127);
  }
  EXPECT_EQ(cost.macs, 14u * 14 * 4 * 9 + 196u * 10);
  // Running op by op from the stored activations gives the same values (the hook a fault campaign uses).
  std::vector<FeatureMap> again(net.values.size());
  again[size_t(net.input_value)] = acts[size_t(net.input_value)];
  for (size_t i = 0; i < net.ops.size(); ++i) net.run_op(i, again, engine);
  EXPECT_EQ(again, acts);
}

}  // namespace
}  // namespace flipsim::nn
