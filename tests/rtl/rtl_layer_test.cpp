// RTL == golden, bit for bit, on GEMMs and convolutions of many shapes (one engine reused per process).
#include <gtest/gtest.h>

#include <random>

#include "model/accel/golden.h"
#include "model/accel/layer_plan.h"
#include "testbench/random_layer.h"
#include "rtl_fixture.h"
#include "testbench/harness.h"
#include "testbench/layer_driver.h"
#include "testbench/site_map.h"

namespace flipsim {
namespace {

struct LayerCase {
  const char* name;
  std::vector<ConvShape> shapes;
};
void PrintTo(const LayerCase& c, std::ostream* os) { *os << c.name; }

class RtlVsGolden : public ::testing::TestWithParam<LayerCase> {};

TEST_P(RtlVsGolden, BitExact) {
  const AccelConfig config = test_accel();
  RtlEngine rtl(config, {});
  std::mt19937_64 rng(7);
  for (const ConvShape& s : GetParam().shapes) {
    for (ValueMix mix : {ValueMix::kUniform, ValueMix::kExtreme}) {
      const ConvLayer layer = random_conv(s, config.data_bits, mix, rng);
      const FeatureMap input = random_map(s.in_h, s.in_w, s.in_channels, config.data_bits, mix, rng);
      LayerRun run;
      const FeatureMap actual = rtl.run(input, layer, &run);
      EXPECT_EQ(actual, golden_conv(input, layer, config.data_bits, config.acc_bits))
          << "shape " << s.in_h << "x" << s.in_w << "x" << s.in_channels << " -> " << s.out_channels << " k"
          << s.kernel << " s" << s.stride << " p" << s.pad << (mix == ValueMix::kExtreme ? " extreme" : "");
      EXPECT_EQ(run.macs, layer.macs(s.in_h, s.in_w));
      EXPECT_GT(run.cycles, 0u);
      // The schedule's cycle count, pass by pass.
      const LayerPlan plan = plan_layer(s.in_h, s.in_w, layer, config);
      const std::vector<uint64_t>& cycles = rtl.pass_cycles();  // every pass since the engine started: this layer's last
      ASSERT_GE(cycles.size(), plan.passes.size());
      const size_t first = cycles.size() - plan.passes.size();
      for (size_t p = 0; p < plan.passes.size(); ++p)
        EXPECT_EQ(cycles[first + p], pass_busy_cycles(plan, plan.passes[p], config)) << "pass " << p;
    }
  }
}

std::vector<ConvShape> conv_grid(int kernel) {
  std::vector<ConvShape> shapes;
  for (int stride : {1, 2})
    for (int pad : {0, 1})
      shapes.push_back(ConvShape{9 + kernel, 8 + kernel, kernel == 3 ? 11 : 3, kernel == 5 ? 13 : 6, kernel, stride,
                                 pad});
  return shapes;
}

INSTANTIATE_TEST_SUITE_P(
    Layers, RtlVsGolden,
    ::testing::Values(
        LayerCase{"gemm_1x1x1", {gemm_shape(1, 1, 1)}},
        LayerCase{"gemm_exact_tiles", {gemm_shape(8, 8, 8), gemm_shape(12, 4, 6)}},
        LayerCase{"gemm_ragged", {gemm_shape(13, 19, 11), gemm_shape(5, 3, 17), gemm_shape(1, 33, 2)}},
        LayerCase{"gemm_k_gt_rows_n_gt_cols", {gemm_shape(20, 70, 45)}},
        LayerCase{"gemm_many_rows", {gemm_shape(700, 9, 7)}},
        LayerCase{"conv_1x1", conv_grid(1)},
        LayerCase{"conv_3x3", conv_grid(3)},
        LayerCase{"conv_5x5", conv_grid(5)},
        LayerCase{"conv_channels", {ConvShape{6, 6, 1, 1, 3, 1, 1}, ConvShape{6, 7, 16, 9, 3, 1, 1},
                                    ConvShape{5, 5, 20, 24, 3, 2, 1}}},
        LayerCase{"conv_lenet_c1", {ConvShape{28, 28, 1, 6, 5, 1, 2}}}),
    [](const auto& info) { return std::string(info.param.name); });

// Every buffer with the host-port region that reaches it.
const std::pair<Buffer, Region> kBuffers[] = {{Buffer::kAbuf, Region::kAbuf},
                                              {Buffer::kWbuf, Region::kWbuf},
                                              {Buffer::kBbuf, Region::kBbuf},
                                              {Buffer::kAccbuf, Region::kAccbuf},
                                              {Buffer::kObuf, Region::kObuf}};

// Layers of several passes each (K and N tiles, a strided convolution), random, each RTL == golden.
void expect_golden_on_several_passes(RtlEngine& rtl, const AccelConfig& config, std::mt19937_64& rng) {
  for (const ConvShape& s : {gemm_shape(20, 70, 45), gemm_shape(700, 9, 7), ConvShape{12, 11, 11, 13, 3, 2, 1}}) {
    const ConvLayer layer = random_conv(s, config.data_bits, ValueMix::kUniform, rng);
    const FeatureMap input = random_map(s.in_h, s.in_w, s.in_channels, config.data_bits, ValueMix::kUniform, rng);
    EXPECT_EQ(rtl.run(input, layer), golden_conv(input, layer, config.data_bits, config.acc_bits))
        << "shape " << s.in_h << "x" << s.in_w << "x" << s.in_channels << " -> " << s.out_channels;
  }
}

// The hybrid campaign engine's premise (docs/campaigns.md, "Engines"): a pass reads only buffer words written for
// it, so whatever earlier passes left in the buffers cannot change its outputs. Every buffer word is garbage when
// each pass begins, and the outputs are still the golden ones.
TEST(RtlEngine, PassesNeverReadWhatEarlierPassesLeftInTheBuffers) {
  const AccelConfig config = test_accel();
  const SiteMap map(config);
  RtlEngine rtl(config, {});
  std::mt19937_64 rng(13);
  int passes = 0;
  const auto garbage = rtl.add_pass_hook([&](int, PassStage stage, HostPort& port) {
    if (stage != PassStage::kBegin) return;
    ++passes;
    for (const auto& [buffer, region] : kBuffers) {
      std::uniform_int_distribution<int64_t> value(-(int64_t(1) << (map.lane_bits(buffer) - 1)),
                                                   (int64_t(1) << (map.lane_bits(buffer) - 1)) - 1);
      std::vector<BufferWord> words(size_t(map.depth(buffer)), BufferWord(size_t(map.lanes(buffer))));
      for (BufferWord& w : words)
        for (auto& lane : w) lane = value(rng);
      write_buffer(port, region, words, map.lane_bits(buffer));
    }
  });
  expect_golden_on_several_passes(rtl, config, rng);
  EXPECT_GE(passes, 3);
}

// The same for the datapath's registers (FfGroup::datapath) and the buffers' read ports: the hybrid engine hands
// a pass whose steering registers end golden to the golden model whatever its operands, partial sums and last
// reads left behind. Every datapath bit and every read port holds garbage when each pass starts (the last word
// of each buffer read back as garbage, then restored), and the outputs are still the golden ones.
TEST(RtlEngine, PassesNeverReadWhatEarlierPassesLeftInTheDatapathRegisters) {
  const AccelConfig config = test_accel();
  const SiteMap map(config);
  RtlEngine rtl(config, {});
  std::mt19937_64 rng(17);
  std::vector<FfFault> garbage;
  for (const FfGroup& g : map.ff_groups())
    if (g.datapath) garbage.push_back(FfFault{g.group, g.datapath, 0, 0, g.replica});
  ASSERT_GE(garbage.size(), size_t(3 * config.rows * config.cols));
  int passes = 0;
  const auto scramble = rtl.add_pass_hook([&](int, PassStage stage, HostPort& port) {
    if (stage != PassStage::kLoaded) return;
    ++passes;
    for (const auto& [buffer, region] : kBuffers) {
      const uint32_t last = uint32_t(map.depth(buffer) - 1);
      const uint64_t lane_mask = low_bits(map.lane_bits(buffer));
      std::vector<uint64_t> kept;
      for (int lane = 0; lane < map.lanes(buffer); ++lane) {
        kept.push_back(port.read(host_address(region, last, uint32_t(lane))));
        port.write(host_address(region, last, uint32_t(lane)), rng() & lane_mask);
      }
      port.read(host_address(region, last));
      for (int lane = 0; lane < map.lanes(buffer); ++lane)
        port.write(host_address(region, last, uint32_t(lane)), kept[size_t(lane)]);
    }
    for (size_t i = 0; i < garbage.size(); ++i) {
      FfFault f = garbage[i];
      f.flip_mask &= rng();
      rtl.harness().injector().schedule_ff(f, i, 1);
    }
    port.clock(garbage.size() + 1);
  });
  expect_golden_on_several_passes(rtl, config, rng);
  EXPECT_GE(passes, 3);
}

TEST(RtlEngine, HarnessIsReusedAcrossResetsAndMonitorSeesEachPass) {
  const AccelConfig config = test_accel();
  RtlEngine rtl(config, {});
  std::mt19937_64 rng(3);
  const ConvShape s{7, 7, 5, 9, 3, 1, 1};
  const ConvLayer layer = random_conv(s, config.data_bits, ValueMix::kUniform, rng);
  const FeatureMap input = random_map(7, 7, 5, config.data_bits, ValueMix::kUniform, rng);
  LayerRun first, second;
  const FeatureMap a = rtl.run(input, layer, &first);
  rtl.harness().reset();
  const FeatureMap b = rtl.run(input, layer, &second);
  EXPECT_EQ(a, b);
  EXPECT_EQ(first.cycles, second.cycles);
  // The monitor's busy periods and the DUT's own layer-cycle register agree.
  uint64_t busy = 0;
  for (uint64_t c : rtl.harness().monitor().busy_cycles()) busy += c;
  EXPECT_EQ(busy, first.cycles + second.cycles);
}

}  // namespace
}  // namespace flipsim
