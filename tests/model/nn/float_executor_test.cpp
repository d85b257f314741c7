#include "model/nn/float_executor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <ostream>
#include <random>

namespace flipsim::nn {
namespace {

// The reference every float result must equal bit for bit: one output element at a time, its terms added in the
// order bias, input channel, kernel row, kernel column (padding skipped), as the float executor documents.
std::vector<float> reference_conv(const std::vector<float>& in, const ValueInfo& iv, const ValueInfo& ov,
                                  const FloatOp& op) {
  std::vector<float> out(size_t(ov.size()));
  for (int o = 0; o < ov.channels; ++o)
    for (int oy = 0; oy < ov.height; ++oy)
      for (int ox = 0; ox < ov.width; ++ox) {
        float acc = op.bias[size_t(o)];
        for (int i = 0; i < iv.channels; ++i)
          for (int ky = 0; ky < op.kernel_h; ++ky)
            for (int kx = 0; kx < op.kernel_w; ++kx) {
              const int iy = oy * op.stride_h + ky - op.pads[0], ix = ox * op.stride_w + kx - op.pads[1];
              if (iy < 0 || iy >= iv.height || ix < 0 || ix >= iv.width) continue;
              acc += op.weights[((size_t(o) * iv.channels + i) * op.kernel_h + ky) * op.kernel_w + kx] *
                     in[(size_t(i) * iv.height + iy) * iv.width + ix];
            }
        out[(size_t(o) * ov.height + oy) * ov.width + ox] = acc;
      }
  return out;
}

std::vector<float> reference_gemm(const std::vector<float>& in, const FloatOp& op) {
  std::vector<float> out(op.bias.size());
  for (size_t n = 0; n < out.size(); ++n) {
    float acc = op.bias[n];
    for (size_t i = 0; i < in.size(); ++i) acc += op.weights[n * in.size() + i] * in[i];
    out[n] = acc;
  }
  return out;
}

std::vector<float> random_floats(size_t n, std::mt19937& rng) {
  // Mixed magnitudes make the float sums order-sensitive, so a reordered sum would show.
  std::uniform_real_distribution<float> mantissa(-1.0f, 1.0f);
  std::uniform_int_distribution<int> exponent(-12, 6);
  std::vector<float> v(n);
  for (float& x : v) x = std::ldexp(mantissa(rng), exponent(rng));
  return v;
}

bool bit_identical(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

struct ConvShape {
  int in_channels, height, width, out_channels, kernel_h, kernel_w, stride, pad;
};

std::ostream& operator<<(std::ostream& os, const ConvShape& s) {
  return os << s.in_channels << "x" << s.height << "x" << s.width << " -> " << s.out_channels << ", kernel "
            << s.kernel_h << "x" << s.kernel_w << ", stride " << s.stride << ", pad " << s.pad;
}

class FloatConvTest : public ::testing::TestWithParam<ConvShape> {};

TEST_P(FloatConvTest, EqualsTheReferenceBitForBit) {
  const ConvShape s = GetParam();
  std::mt19937 rng(7);
  FloatGraph g;
  g.values.resize(2);
  ValueInfo& iv = g.values[0];
  iv.channels = s.in_channels;
  iv.height = s.height;
  iv.width = s.width;
  ValueInfo& ov = g.values[1];
  ov.channels = s.out_channels;
  ov.height = (s.height + 2 * s.pad - s.kernel_h) / s.stride + 1;
  ov.width = (s.width + 2 * s.pad - s.kernel_w) / s.stride + 1;
  FloatOp op;
  op.type = OpType::kConv;
  op.inputs = {0};
  op.output = 1;
  op.kernel_h = s.kernel_h;
  op.kernel_w = s.kernel_w;
  op.stride_h = op.stride_w = s.stride;
  op.pads = {s.pad, s.pad, s.pad, s.pad};
  op.weights = random_floats(size_t(s.out_channels) * s.in_channels * s.kernel_h * s.kernel_w, rng);
  op.bias = random_floats(size_t(s.out_channels), rng);
  g.ops.push_back(op);
  g.output_value = 1;
  const std::vector<float> x = random_floats(size_t(iv.size()), rng);
  EXPECT_TRUE(bit_identical(run_float_graph(g, x)[1], reference_conv(x, g.values[0], g.values[1], op)));
}

INSTANTIATE_TEST_SUITE_P(Shapes, FloatConvTest,
                         ::testing::Values(ConvShape{1, 28, 28, 6, 5, 5, 1, 2},   // LeNet-5 conv1
                                           ConvShape{6, 14, 14, 16, 5, 5, 1, 0},  // LeNet-5 conv2
                                           ConvShape{3, 9, 7, 4, 3, 3, 2, 1},     // stride 2, odd sizes
                                           ConvShape{2, 8, 8, 3, 1, 1, 2, 0},     // 1x1 stride-2 shortcut
                                           ConvShape{2, 5, 6, 2, 3, 2, 3, 2},     // stride 3, wide padding
                                           ConvShape{1, 3, 3, 2, 5, 5, 1, 2}));   // kernel larger than the map

TEST(FloatGemm, EqualsTheReferenceBitForBitForAnyOutputCount) {
  std::mt19937 rng(3);
  for (int outputs : {1, 7, 8, 9, 17, 120}) {
    FloatGraph g;
    g.values.resize(2);
    g.values[0].is_map = g.values[1].is_map = false;
    g.values[0].channels = 37;
    g.values[1].channels = outputs;
    FloatOp op;
    op.type = OpType::kGemm;
    op.inputs = {0};
    op.output = 1;
    op.weights = random_floats(size_t(outputs) * 37, rng);
    op.bias = random_floats(size_t(outputs), rng);
    g.ops.push_back(op);
    g.output_value = 1;
    const std::vector<float> x = random_floats(37, rng);
    EXPECT_TRUE(bit_identical(run_float_graph(g, x)[1], reference_gemm(x, op))) << outputs << " outputs";
  }
}

TEST(FloatExecutor, ReusedValuesGiveTheSameResultsAsFreshOnes) {
  std::mt19937 rng(5);
  FloatGraph g;
  g.values.resize(3);
  g.values[0] = {"x", true, 1, 6, 6};
  g.values[1] = {"conv", true, 2, 6, 6};
  g.values[2] = {"pool", true, 2, 3, 3};
  FloatOp conv;
  conv.type = OpType::kConv;
  conv.inputs = {0};
  conv.output = 1;
  conv.relu = true;
  conv.kernel_h = conv.kernel_w = 3;
  conv.pads = {1, 1, 1, 1};
  conv.weights = random_floats(18, rng);
  conv.bias = random_floats(2, rng);
  FloatOp pool;
  pool.type = OpType::kMaxPool;
  pool.inputs = {1};
  pool.output = 2;
  pool.kernel_h = pool.kernel_w = pool.stride_h = pool.stride_w = 2;
  g.ops = {conv, pool};
  g.output_value = 2;
  std::vector<std::vector<float>> reused;
  for (int image = 0; image < 3; ++image) {
    const std::vector<float> x = random_floats(36, rng);
    run_float_graph(g, x, reused);
    const std::vector<std::vector<float>> fresh = run_float_graph(g, x);
    ASSERT_EQ(reused.size(), fresh.size());
    for (size_t v = 0; v < fresh.size(); ++v) EXPECT_TRUE(bit_identical(reused[v], fresh[v])) << "value " << v;
  }
}

}  // namespace
}  // namespace flipsim::nn
