// The architectural model (buffers + tile loop) equals the direct golden convolution bit for bit.
#include "model/accel/arch_model.h"

#include <gtest/gtest.h>

#include "model/accel/golden.h"
#include "model/common/config_error.h"
#include "testbench/random_layer.h"

namespace flipsim {
namespace {

AccelConfig narrow_config() {
  AccelConfig c;
  c.rows = 4;
  c.cols = 6;
  c.abuf_depth = 512;
  c.wbuf_depth = 512;
  c.bbuf_depth = 16;
  c.accbuf_depth = 128;
  c.obuf_depth = 256;
  return c;
}

struct Case {
  const char* name;
  ConvShape shape;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class ArchVsGolden : public ::testing::TestWithParam<Case> {};

TEST_P(ArchVsGolden, BitExactOnDefaultNarrowAndInt16) {
  AccelConfig int16;
  int16.data_bits = 16;
  int16.acc_bits = 48;
  for (const AccelConfig& config : {AccelConfig{}, narrow_config(), int16}) {
    for (ValueMix mix : {ValueMix::kUniform, ValueMix::kExtreme}) {
      std::mt19937_64 rng(42);
      const ConvShape& s = GetParam().shape;
      const ConvLayer layer = random_conv(s, config.data_bits, mix, rng);
      const FeatureMap input = random_map(s.in_h, s.in_w, s.in_channels, config.data_bits, mix, rng);
      ArchEngine arch(config);
      EXPECT_EQ(arch.run(input, layer), golden_conv(input, layer, config.data_bits, config.acc_bits))
          << config.variant();
    }
  }
}

// A protectable accelerator clipping each output channel to its range (random, some inverted): the clip words
// in the bias buffer and the descriptor's clip bit reproduce ConvLayer::clipped.
TEST_P(ArchVsGolden, BitExactWhenClipping) {
  AccelConfig int16;
  int16.data_bits = 16;
  int16.acc_bits = 48;
  for (AccelConfig config : {AccelConfig{}, narrow_config(), int16}) {
    config.protectable = true;
    std::mt19937_64 rng(7);
    const ConvShape& s = GetParam().shape;
    ConvLayer layer = random_conv(s, config.data_bits, ValueMix::kUniform, rng);
    add_random_clip(layer, config.data_bits, rng);
    const FeatureMap input = random_map(s.in_h, s.in_w, s.in_channels, config.data_bits, ValueMix::kUniform, rng);
    ArchEngine arch(config);
    const FeatureMap clipped = golden_conv(input, layer, config.data_bits, config.acc_bits);
    EXPECT_EQ(arch.run(input, layer), clipped) << config.variant();
    ConvLayer unclipped = layer;
    unclipped.clip.clear();
    FeatureMap expected = golden_conv(input, unclipped, config.data_bits, config.acc_bits);
    for (size_t j = 0; j < expected.data.size(); ++j)
      expected.data[j] = layer.clip[j % size_t(layer.out_channels)].apply(expected.data[j]);
    EXPECT_EQ(clipped, expected) << config.variant();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ArchVsGolden,
    ::testing::Values(Case{"gemm_1x1x1", gemm_shape(1, 1, 1)}, Case{"gemm_odd", gemm_shape(13, 19, 11)},
                      Case{"gemm_big_k_n", gemm_shape(40, 70, 50)}, Case{"gemm_many_m", gemm_shape(300, 9, 7)},
                      Case{"conv1x1", ConvShape{7, 5, 3, 9, 1, 1, 0}},
                      Case{"conv3x3_pad1", ConvShape{9, 8, 5, 7, 3, 1, 1}},
                      Case{"conv3x3_s2", ConvShape{11, 10, 6, 4, 3, 2, 0}},
                      Case{"conv5x5_pad1_s2", ConvShape{14, 13, 3, 13, 5, 2, 1}},
                      Case{"conv5x5_lenet", ConvShape{28, 28, 1, 6, 5, 1, 2}},
                      Case{"conv_wide_rows", ConvShape{30, 30, 10, 5, 3, 1, 1}}),
    [](const auto& info) { return std::string(info.param.name); });

/// A 3x3 convolution of 10 channels into 12 on a 6x6 map, one pass on the default array, its buffers loaded.
struct LoadedPass {
  AccelConfig config;
  std::mt19937_64 rng{1};
  ConvLayer layer = random_conv(ConvShape{6, 6, 10, 12, 3, 1, 1}, 8, ValueMix::kUniform, rng);
  FeatureMap input = random_map(6, 6, 10, 8, ValueMix::kUniform, rng);
  LayerPlan plan = plan_layer(6, 6, layer, config);
  void load(ArchModel& model) const {
    model.load(Buffer::kAbuf, abuf_image(input, plan, plan.passes[0], config));
    model.load(Buffer::kWbuf, wbuf_image(layer, plan, plan.passes[0], config));
    model.load(Buffer::kBbuf, bbuf_image(layer, plan.passes[0], config));
  }
};

TEST(ArchModel, ReportsEveryTileEnd) {
  const LoadedPass p;
  ASSERT_EQ(p.plan.passes.size(), 1u);
  ArchModel model(p.config);
  p.load(model);
  int tiles = 0;
  model.execute(p.plan.passes[0].desc, [&](const TileEnd& t) {
    EXPECT_EQ(t.k_tile, tiles % p.plan.k_tiles);
    EXPECT_EQ(t.n_tile, tiles / p.plan.k_tiles);
    ++tiles;
  });
  EXPECT_EQ(tiles, p.plan.k_tiles * p.plan.n_tiles);
  EXPECT_EQ(p.plan.k_tiles, 3 * 3 * 2);
  EXPECT_EQ(p.plan.n_tiles, 2);
}

// A bit-error-rate campaign reuses one model across injections: cleared, it is the model it was constructed as.
TEST(ArchModel, ClearedIsFreshlyConstructed) {
  const LoadedPass p;
  ArchModel used(p.config);
  size_t reads = 0;
  used.observe_reads([&](Buffer, size_t) { ++reads; });
  p.load(used);
  used.execute(p.plan.passes[0].desc);
  ASSERT_GT(reads, 0u);
  const ArchModel fresh(p.config);
  bool differed = false;
  for (int b = 0; b < kNumBuffers; ++b) differed |= used.buffer(Buffer(b)) != fresh.buffer(Buffer(b));
  ASSERT_TRUE(differed);
  used.clear();
  for (int b = 0; b < kNumBuffers; ++b) EXPECT_EQ(used.buffer(Buffer(b)), fresh.buffer(Buffer(b))) << b;
  const size_t before = reads;
  used.execute(p.plan.passes[0].desc);
  EXPECT_EQ(reads, before) << "the read observer survived clear()";
}

TEST(LayerPlan, SplitsLayersThatDoNotFit) {
  const AccelConfig config = narrow_config();
  std::mt19937_64 rng(3);
  const ConvLayer layer = random_conv(ConvShape{30, 30, 10, 20, 3, 1, 1}, 8, ValueMix::kUniform, rng);
  const LayerPlan plan = plan_layer(30, 30, layer, config);
  EXPECT_GT(plan.passes.size(), 4u);
  int pixels = 0;
  for (const auto& p : plan.passes) {
    EXPECT_LE(p.m_count, config.accbuf_depth);
    EXPECT_LE(p.m_count * p.n_tiles, config.obuf_depth);
    EXPECT_LE(p.in_pixels * plan.channel_blocks, config.abuf_depth);
    if (p.n_tile_begin == 0) pixels += p.m_count;
  }
  EXPECT_EQ(pixels, 30 * 30);
}

// Clipping stores one clip word after each tile's biases: a pass holds half the tiles, its bias-buffer image
// decodes back to the ranges, and the descriptor's clip bit is set; only a protectable accelerator can clip.
TEST(LayerPlan, ClippingStoresItsRangesAfterTheBiases) {
  AccelConfig config = narrow_config();  // 16 bias-buffer words
  config.protectable = true;
  std::mt19937_64 rng(5);
  ConvLayer layer = random_conv(gemm_shape(3, 5, 6 * 12), 8, ValueMix::kUniform, rng);  // 12 tiles of 6
  const LayerPlan unclipped = plan_layer(1, 3, layer, config);
  add_random_clip(layer, 8, rng);
  const LayerPlan plan = plan_layer(1, 3, layer, config);
  ASSERT_EQ(unclipped.passes.size(), 1u);
  ASSERT_EQ(plan.passes.size(), 2u);
  EXPECT_EQ(plan.passes[0].n_tiles, 8);  // 16 words: 8 tiles' biases and 8 clip words
  EXPECT_EQ(plan.passes[1].n_tiles, 4);
  for (const LayerPass& pass : plan.passes) {
    EXPECT_TRUE(pass.desc[kDescRelu] & (1u << fs_pkg::DescReluClipBit));
    const std::vector<BufferWord> bbuf = bbuf_image(layer, pass, config);
    ASSERT_EQ(bbuf.size(), pass_words(plan, pass, config).bbuf);
    ASSERT_EQ(bbuf.size(), size_t(2 * pass.n_tiles));
    for (int nt = 0; nt < pass.n_tiles; ++nt)
      for (int c = 0; c < config.cols; ++c)
        EXPECT_EQ(clip_range_of_lane(bbuf[size_t(pass.n_tiles + nt)][size_t(c)], 8),
                  layer.clip[size_t((pass.n_tile_begin + nt) * config.cols + c)]);
  }
  EXPECT_FALSE(unclipped.passes[0].desc[kDescRelu] & (1u << fs_pkg::DescReluClipBit));
  config.protectable = false;
  EXPECT_THROW(plan_layer(1, 3, layer, config), ConfigError);
  config.protectable = true;
  layer.clip.pop_back();
  EXPECT_THROW(plan_layer(1, 3, layer, config), ConfigError);
}

// Every range of 8-bit values, and 16-bit samples, survives the clip word's packing into an accumulator lane.
TEST(LayerPlan, ClipLanesRoundTrip) {
  for (int lo = -128; lo < 128; ++lo)
    for (int hi = -128; hi < 128; ++hi) {
      const ClipRange r{lo, hi};
      ASSERT_EQ(clip_range_of_lane(clip_lane(r, 8, 32), 8), r) << lo << " " << hi;
    }
  std::mt19937_64 rng(9);
  std::uniform_int_distribution<int32_t> v(-32768, 32767);
  for (int i = 0; i < 10000; ++i) {
    const ClipRange r{v(rng), v(rng)};
    ASSERT_EQ(clip_range_of_lane(clip_lane(r, 16, 32), 16), r);
  }
}

}  // namespace
}  // namespace flipsim
