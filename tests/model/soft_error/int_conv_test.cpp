// The fault simulator's convolution: whole maps, single outputs and tap-ordered weights all agree with the golden
// model, for any shape and width, and keep agreeing as weights are replaced.
#include "model/soft_error/int_conv.h"

#include <gtest/gtest.h>

#include <ostream>
#include <random>

#include "model/accel/golden.h"

namespace flipsim::model {
namespace {

struct ConvCase {
  int data_bits, acc_bits, in_channels, height, width, out_channels, kernel, stride, pad;
};

std::ostream& operator<<(std::ostream& os, const ConvCase& c) {
  return os << "int" << c.data_bits << "/acc" << c.acc_bits << " " << c.height << "x" << c.width << "x"
            << c.in_channels << " -> " << c.out_channels << ", kernel " << c.kernel << ", stride " << c.stride
            << ", pad " << c.pad;
}

class IntConvTest : public ::testing::TestWithParam<ConvCase> {
 protected:
  void SetUp() override {
    const ConvCase& c = GetParam();
    std::mt19937 rng(11);
    const int32_t lo = -(1 << (c.data_bits - 1)), hi = (1 << (c.data_bits - 1)) - 1;
    std::uniform_int_distribution<int32_t> value(lo, hi);
    layer_.in_channels = c.in_channels;
    layer_.out_channels = c.out_channels;
    layer_.kernel_h = layer_.kernel_w = c.kernel;
    layer_.stride = c.stride;
    layer_.pad = c.pad;
    layer_.weights.resize(size_t(c.out_channels) * c.kernel * c.kernel * c.in_channels);
    for (int32_t& w : layer_.weights) w = value(rng);
    for (int o = 0; o < c.out_channels; ++o) layer_.bias.push_back(int64_t(value(rng)) * 300);
    layer_.requant = requant_from_scale(1.0 / (c.data_bits == 8 ? 3000 : 600000));
    layer_.requant.relu = c.out_channels % 2 == 1;
    in_ = FeatureMap(c.height, c.width, c.in_channels);
    for (int32_t& x : in_.data) x = value(rng);
  }
  ConvLayer layer_;
  FeatureMap in_;
};

TEST_P(IntConvTest, WholeMapsAndSingleOutputsEqualTheGoldenModel) {
  const ConvCase& c = GetParam();
  IntConv conv(layer_, c.data_bits, c.acc_bits);
  const FeatureMap want = golden_conv(in_, layer_, c.data_bits, c.acc_bits);
  EXPECT_EQ(conv.run(in_), want);
  std::vector<int64_t> acc;
  conv.accumulators(in_, acc);
  ASSERT_EQ(acc.size(), want.data.size());
  for (int oy = 0; oy < want.height; ++oy)
    for (int ox = 0; ox < want.width; ++ox)
      for (int o = 0; o < want.channels; ++o) {
        const size_t k = (size_t(oy) * want.width + size_t(ox)) * size_t(want.channels) + size_t(o);
        ASSERT_EQ(conv.accumulator(in_, oy, ox, o, /*wrap=*/false), acc[k]) << oy << "," << ox << "," << o;
        ASSERT_EQ(conv.output(in_, oy, ox, o), want.data[k]) << oy << "," << ox << "," << o;
      }
}

TEST_P(IntConvTest, ReplacedWeightsReachEveryCopy) {
  const ConvCase& c = GetParam();
  IntConv conv(layer_, c.data_bits, c.acc_bits);
  std::mt19937 rng(12);
  std::uniform_int_distribution<size_t> index(0, layer_.weights.size() - 1);
  for (int t = 0; t < 5; ++t) {
    const size_t k = index(rng);
    layer_.weights[k] = -layer_.weights[k] - 1;  // stays in range
    conv.set_weight(k, layer_.weights[k]);
  }
  EXPECT_EQ(conv.run(in_), golden_conv(in_, layer_, c.data_bits, c.acc_bits));
  for (int o = 0; o < c.out_channels; ++o)
    for (int ky = 0; ky < c.kernel; ++ky)
      for (int kx = 0; kx < c.kernel; ++kx)
        for (int i = 0; i < c.in_channels; ++i)
          ASSERT_EQ(conv.tap_weights(ky, kx, i)[o], layer_.weight(o, ky, kx, i))
              << o << "," << ky << "," << kx << "," << i;
}

INSTANTIATE_TEST_SUITE_P(Shapes, IntConvTest,
                         ::testing::Values(ConvCase{8, 32, 1, 28, 28, 6, 5, 1, 2},    // LeNet-5 conv1
                                           ConvCase{8, 32, 6, 14, 14, 16, 5, 1, 0},   // LeNet-5 conv2
                                           ConvCase{8, 32, 400, 1, 1, 9, 1, 1, 0},    // a Gemm, odd outputs
                                           ConvCase{8, 32, 3, 9, 7, 5, 3, 2, 1},      // stride 2, odd sizes
                                           ConvCase{8, 32, 2, 4, 5, 7, 3, 3, 2},      // windows mostly padding
                                           ConvCase{8, 32, 2, 4, 5, 3, 2, 1, 3},      // some windows all padding
                                           ConvCase{8, 16, 4, 6, 6, 4, 3, 1, 1},      // accumulator wraps at 16
                                           ConvCase{16, 48, 3, 8, 8, 5, 3, 1, 1}));   // int16: the wide path

}  // namespace
}  // namespace flipsim::model
