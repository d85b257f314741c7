#include "model/nn/host_ops.h"

#include <gtest/gtest.h>

#include "model/accel/requant.h"

namespace flipsim::nn {
namespace {

FeatureMap map_1ch(int h, int w, std::vector<int32_t> v) {
  FeatureMap m(h, w, 1);
  m.data = std::move(v);
  return m;
}

struct DivCase {
  int64_t num, den, expected;
};
class DivRoundTest : public ::testing::TestWithParam<DivCase> {};
TEST_P(DivRoundTest, RoundsHalfUp) {
  EXPECT_EQ(div_round_half_up(GetParam().num, GetParam().den), GetParam().expected)
      << GetParam().num << " / " << GetParam().den;
}
INSTANTIATE_TEST_SUITE_P(Cases, DivRoundTest,
                         ::testing::Values(DivCase{3, 2, 2}, DivCase{-3, 2, -1}, DivCase{5, 4, 1}, DivCase{-5, 4, -1},
                                           DivCase{7, 4, 2}, DivCase{-7, 4, -2}, DivCase{1, 3, 0}, DivCase{2, 3, 1},
                                           DivCase{-2, 3, -1}, DivCase{0, 9, 0}, DivCase{-1, 2, 0},
                                           DivCase{126 * 49 + 24, 49, 126}, DivCase{126 * 49 + 25, 49, 127}));

TEST(HostOps, RescaleRoundsHalfUp) {
  Requant half;
  half.multiplier = 1 << 30;
  half.shift = 31;                   // x 0.5
  EXPECT_EQ(rescale(3, half), 2);    // 1.5 -> 2
  EXPECT_EQ(rescale(-3, half), -1);  // -1.5 -> -1
  EXPECT_EQ(rescale(4, half), 2);
  const Requant third = requant_from_scale(1.0 / 3.0);
  EXPECT_EQ(rescale(300, third), 100);
  EXPECT_EQ(rescale(-301, third), -100);
}

TEST(HostOps, MaxPoolIgnoresPadding) {
  const FeatureMap in = map_1ch(2, 2, {-5, -7, -9, -6});
  PoolParams p;
  p.kernel_h = p.kernel_w = 2;
  p.stride_h = p.stride_w = 1;
  p.pads = {1, 1, 0, 0};
  const FeatureMap out = max_pool(in, p);
  ASSERT_EQ(out.height, 2);
  ASSERT_EQ(out.width, 2);
  // Padding would win as 0; ONNX treats it as -infinity.
  EXPECT_EQ(out.data, (std::vector<int32_t>{-5, -5, -5, -5}));
}

TEST(HostOps, AvgPoolRoundingAndPadCounting) {
  const FeatureMap in = map_1ch(2, 2, {1, 2, 4, -3});
  PoolParams p;
  p.kernel_h = p.kernel_w = 2;
  p.stride_h = p.stride_w = 2;
  EXPECT_EQ(avg_pool(in, p).data, (std::vector<int32_t>{1}));  // 4 / 4 = 1
  p.kernel_h = p.kernel_w = 2;
  p.stride_h = p.stride_w = 1;
  p.pads = {1, 1, 0, 0};
  // Top-left window holds only the 1: 1/1 excluding padding, 1/4 -> 0 including it.
  EXPECT_EQ(avg_pool(in, p).at(0, 0, 0), 1);
  p.count_include_pad = true;
  EXPECT_EQ(avg_pool(in, p).at(0, 0, 0), 0);
  EXPECT_EQ(avg_pool(in, p).at(0, 1, 0), 1);  // (1 + 2) / 4 = 0.75 -> 1
  EXPECT_EQ(avg_pool(in, p).at(1, 1, 0), 1);  // (1 + 2 + 4 - 3) / 4 = 1
  EXPECT_EQ(avg_pool(in, p).at(1, 0, 0), 1);  // (1 + 4) / 4 = 1.25 -> 1
}

// Whole maps are pooled a position at a time, all channels together; the incremental fault simulator recomputes
// single outputs with pool_output(). Both must give the same values for any window, stride and padding.
TEST(HostOps, WholeMapPoolingEqualsSingleOutputs) {
  FeatureMap in(7, 6, 3);
  for (size_t k = 0; k < in.data.size(); ++k) in.data[k] = int32_t((k * 37 + 11) % 255) - 128;
  for (int kernel : {1, 2, 3})
    for (int stride : {1, 2, 3})
      for (int pad : {0, 1})
        for (bool include_pad : {false, true}) {
          if (pad >= kernel) continue;
          PoolParams p;
          p.kernel_h = kernel;
          p.kernel_w = kernel == 3 ? 2 : kernel;
          p.stride_h = stride;
          p.stride_w = stride == 1 ? 2 : stride;
          p.pads = {pad, pad, 0, pad};
          p.count_include_pad = include_pad;
          for (bool is_max : {true, false}) {
            const FeatureMap out = is_max ? max_pool(in, p) : avg_pool(in, p);
            for (int oy = 0; oy < out.height; ++oy)
              for (int ox = 0; ox < out.width; ++ox)
                for (int c = 0; c < out.channels; ++c)
                  ASSERT_EQ(out.at(oy, ox, c), pool_output(in, p, is_max, oy, ox, c))
                      << (is_max ? "max" : "avg") << " kernel " << kernel << " stride " << stride << " pad " << pad
                      << " include_pad " << include_pad << " at " << oy << "," << ox << "," << c;
          }
        }
}

TEST(HostOps, GlobalAvgPoolPerChannel) {
  FeatureMap in(2, 2, 2);
  in.data = {1, -1, 2, -2, 3, -3, 4, -4};  // channel 0: 1+2+3+4 = 10, channel 1: -10
  const FeatureMap out = global_avg_pool(in);
  EXPECT_EQ(out.height, 1);
  EXPECT_EQ(out.data, (std::vector<int32_t>{3, -2}));  // 2.5 -> 3, -2.5 -> -2
}

TEST(HostOps, AddRescalesSaturatesAndRelus) {
  const FeatureMap a = map_1ch(1, 4, {100, -100, 127, -128});
  const FeatureMap b = map_1ch(1, 4, {10, 10, 127, -128});
  AddParams p;
  p.a = requant_from_scale(0.5);
  p.b = requant_from_scale(2.0);
  EXPECT_EQ(add_maps(a, b, p, 8).data, (std::vector<int32_t>{70, -30, 127, -128}));
  p.relu = true;
  EXPECT_EQ(add_maps(a, b, p, 8).data, (std::vector<int32_t>{70, 0, 127, 0}));
}

TEST(HostOps, PadAndFlatten) {
  FeatureMap in(1, 2, 2);
  in.data = {1, 2, 3, 4};
  const FeatureMap padded = pad_map(in, {1, 0, 0, 1}, -7);
  ASSERT_EQ(padded.height, 2);
  ASSERT_EQ(padded.width, 3);
  EXPECT_EQ(padded.data, (std::vector<int32_t>{-7, -7, -7, -7, -7, -7, 1, 2, 3, 4, -7, -7}));
  const FeatureMap flat = flatten_map(padded);
  EXPECT_EQ(flat.height, 1);
  EXPECT_EQ(flat.width, 1);
  EXPECT_EQ(flat.channels, 12);
  EXPECT_EQ(flat.data, padded.data);
}

}  // namespace
}  // namespace flipsim::nn
