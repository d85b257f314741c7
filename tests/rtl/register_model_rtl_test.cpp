// The register model's dataflow against the RTL: an upset (one bit, or two adjacent) of a PE's weight, activation or
// partial-sum register, of a data bit of an array-edge skew or deskew stage, of the controller's bias or column-sum
// lanes or of the PPU's accumulator lanes, at a busy cycle, changes the layer's outputs exactly as the accumulator
// changes the model derives from the schedule (model/soft_error/register_model.h) say, on every compiled array shape;
// so does a flip of a word of any of the five buffers.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "model/accel/golden.h"
#include "model/accel/layer_plan.h"
#include "model/accel/requant.h"
#include "model/soft_error/register_model.h"
#include "rtl_fixture.h"
#include "testbench/harness.h"
#include "testbench/random_layer.h"
#include "testbench/site_map.h"

namespace flipsim {
namespace {

using model::ArrayRegister;
using model::RegisterUpset;

/// The golden output with `changes` added to its accumulators before requantization (written without the
/// software fault simulation).
FeatureMap changed_output(const FeatureMap& input, const ConvLayer& layer, const AccelConfig& config,
                          const std::vector<model::AccumulatorChange>& changes) {
  FeatureMap out = golden_conv(input, layer, config.data_bits, config.acc_bits);
  std::map<uint32_t, int64_t> deltas;
  for (const model::AccumulatorChange& c : changes) deltas[c.index] += c.delta;
  for (const auto& [k, delta] : deltas) {
    const int o = int(k % uint32_t(out.channels)), pos = int(k / uint32_t(out.channels));
    const int64_t acc = golden_accumulator(input, layer, pos / out.width, pos % out.width, o, 64);
    out.data[k] = layer.clipped(o, requantize(wrap_to_bits(acc + delta, config.acc_bits), layer.requant,
                                              config.data_bits));
  }
  for (const model::AccumulatorChange& c : changes)
    if (c.output_mask)
      out.data[c.index] = int32_t(wrap_to_bits(int64_t(uint64_t(out.data[c.index]) ^ c.output_mask), config.data_bits));
  return out;
}

/// "k:value ..." for the outputs where `map` differs from `golden` (a readable failure message).
std::string differences(const FeatureMap& map, const FeatureMap& golden) {
  std::string out;
  for (size_t k = 0; k < map.data.size(); ++k)
    if (map.data[k] != golden.data[k])
      out += std::to_string(k) + ":" + std::to_string(golden.data[k]) + "->" + std::to_string(map.data[k]) + " ";
  return out.empty() ? "none" : out;
}

/// The fault-port group of the upset's register (fs_pkg's numbering; see RegisterUpset for the edges' row and col).
uint32_t group(const RegisterUpset& u, const AccelConfig& config) {
  const uint32_t pe = fs_pkg::GroupPe + uint32_t(u.row * config.cols + u.col) * fs_pkg::PeGroups;
  switch (u.reg) {
    case ArrayRegister::kWeight: return pe + fs_pkg::PeWeightField;
    case ArrayRegister::kAct: return pe + fs_pkg::PeActField;
    case ArrayRegister::kPsum: return pe + fs_pkg::PePsumField;
    case ArrayRegister::kSkew: return fs_pkg::GroupEdge + uint32_t(u.row * config.rows + u.col);
    case ArrayRegister::kDeskew:
      return fs_pkg::GroupEdge + uint32_t(config.rows * config.rows + u.col * config.cols + u.row);
    case ArrayRegister::kBias: return fs_pkg::GroupCtrl + fs_pkg::CtrlBiasOffset + uint32_t(u.col);
    case ArrayRegister::kColumnSum: return fs_pkg::GroupCtrl + fs_pkg::CtrlAPsumOffset + uint32_t(u.col);
    case ArrayRegister::kPpuAcc: return fs_pkg::GroupPpu + fs_pkg::PpuAccOffset + uint32_t(u.col);
  }
  return 0;
}

/// A cycle at an edge of an upset's window: where `effect_size(cycle)` (what an upset at that cycle does, as a
/// number) differs from the next cycle's, that cycle or the next, at random; `cycle` itself when there is none.
template <class EffectSize>
uint64_t cycle_at_an_edge(uint64_t cycle, uint64_t busy_cycles, const EffectSize& effect_size, std::mt19937_64& rng) {
  std::vector<uint64_t> edges;
  for (uint64_t c = 0; c + 1 < busy_cycles; ++c)
    if (effect_size(c) != effect_size(c + 1)) edges.push_back(c);
  return edges.empty() ? cycle : edges[rng() % edges.size()] + rng() % 2;
}

/// The layers the tests upset: a convolution with padding and more channels than rows (several K tiles), and a
/// fully-connected layer (one pixel: the weight registers' windows are a few cycles), each a single pass.
std::vector<ConvShape> test_shapes(const AccelConfig& config) {
  return {ConvShape{6, 5, config.rows + 3, config.cols + 2, 3, 1, 1},
          gemm_shape(1, 2 * config.rows + 1, config.cols + 1)};
}

/// A random layer of `shape` with a random input, its plan (asserted to be one pass) and golden output.
struct TestLayer {
  ConvLayer layer;
  FeatureMap input, golden;
  LayerPlan plan;
};
TestLayer make_test_layer(const ConvShape& s, const AccelConfig& config, std::mt19937_64& rng) {
  TestLayer t;
  t.layer = random_conv(s, config.data_bits, ValueMix::kUniform, rng);
  t.input = random_map(s.in_h, s.in_w, s.in_channels, config.data_bits, ValueMix::kUniform, rng);
  t.plan = plan_layer(s.in_h, s.in_w, t.layer, config);
  EXPECT_EQ(t.plan.passes.size(), 1u);
  t.golden = golden_conv(t.input, t.layer, config.data_bits, config.acc_bits);
  return t;
}

/// Register kind t % kNumArrayRegisters at a random place it exists, one random bit (two adjacent every fourth t),
/// at a random busy cycle.
RegisterUpset random_upset(int t, const AccelConfig& config, const model::ArraySchedule& schedule,
                           std::mt19937_64& rng) {
  RegisterUpset u;
  u.reg = ArrayRegister(t % model::kNumArrayRegisters);
  u.row = int(rng() % uint64_t(config.rows));
  u.col = int(rng() % uint64_t(config.cols));
  // An edge lane has as many stages as its delay: skew lane r has r, deskew lane c has cols - 1 - c.
  if (u.reg == ArrayRegister::kSkew) {
    u.row = 1 + int(rng() % uint64_t(config.rows - 1));
    u.col = int(rng() % uint64_t(u.row));
  } else if (u.reg == ArrayRegister::kDeskew) {
    u.col = int(rng() % uint64_t(config.cols - 1));
    u.row = int(rng() % uint64_t(config.cols - 1 - u.col));
  } else if (u.reg == ArrayRegister::kBias || u.reg == ArrayRegister::kColumnSum || u.reg == ArrayRegister::kPpuAcc) {
    u.row = 0;  // one register per lane
  }
  const int bit = int(rng() % uint64_t(schedule.width(u.reg)));
  u.mask = uint64_t(1) << bit;
  if (t % 4 == 3 && bit + 1 < schedule.width(u.reg)) u.mask |= u.mask << 1;
  u.cycle = rng() % schedule.busy_cycles();
  return u;
}

/// The RTL's output with `f` on the port for `hold` cycles from busy cycle `cycle` of the layer's one pass.
FeatureMap rtl_output(RtlEngine& rtl, const FfFault& f, uint64_t cycle, uint64_t hold, const FeatureMap& input,
                      const ConvLayer& layer) {
  const auto hook = rtl.add_pass_hook([&](int, PassStage stage, HostPort&) {
    if (stage == PassStage::kStarted) rtl.harness().injector().schedule_ff(f, cycle, hold);
  });
  return rtl.run(input, layer);
}

/// The fault port's view of `u`: its register's group, its bits flipped or forced.
FfFault port_fault(const RegisterUpset& u, const AccelConfig& config) {
  FfFault f;
  f.group = group(u, config);
  if (u.action == model::BitAction::kFlip) {
    f.flip_mask = u.mask;
  } else {
    f.force_mask = u.mask;
    f.force_value = u.action == model::BitAction::kStuckAt1 ? u.mask : 0;
  }
  return f;
}

/// `per_kind` random upsets of every register kind per test layer (random_upset(), then `shape(u, t, schedule,
/// input, rng)` sets what the test varies), each on the RTL for u.hold cycles: the layer's outputs must be those
/// of the model's accumulator changes, bit for bit. Returns how many changed an output and how many did not.
template <class Shape>
std::pair<int, int> upsets_match_the_rtl(uint64_t seed, int per_kind, const Shape& shape) {
  const AccelConfig config = test_accel();
  RtlEngine rtl(config, {});
  std::mt19937_64 rng(seed);
  int changed = 0, masked = 0;
  for (const ConvShape& s : test_shapes(config)) {
    const TestLayer test = make_test_layer(s, config, rng);
    const ConvLayer& layer = test.layer;
    const FeatureMap &input = test.input, &golden = test.golden;
    const model::ArraySchedule schedule({&layer}, {{s.in_h, s.in_w}}, config);
    for (int t = 0; t < per_kind * model::kNumArrayRegisters; ++t) {
      RegisterUpset u = random_upset(t, config, schedule, rng);
      shape(u, t, schedule, input, rng);
      EXPECT_TRUE(schedule.carries(u));
      const FeatureMap expected = changed_output(input, layer, config, schedule.effect(u, {&input}));
      const FeatureMap actual = rtl_output(rtl, port_fault(u, config), u.cycle, u.hold, input, layer);
      EXPECT_TRUE(actual == expected) << model::array_register_name(u.reg) << " PE (" << u.row << ", " << u.col
                                      << ") mask " << u.mask << " action " << int(u.action) << " cycles " << u.cycle
                                      << " + " << u.hold << " of " << schedule.busy_cycles()
                                      << "\n  RTL:   " << differences(actual, golden)
                                      << "\n  model: " << differences(expected, golden);
      (actual == golden ? masked : changed) += 1;
    }
  }
  return {changed, masked};
}

TEST(RegisterModel, UpsetsChangeTheOutputsAsTheDataflowSays) {
  const auto [changed, masked] = upsets_match_the_rtl(
      5, 16,
      [](RegisterUpset& u, int t, const model::ArraySchedule& schedule, const FeatureMap& input,
         std::mt19937_64& rng) {
        if (t % 3 != 2) return;
        // At the edge of the register's window: the last cycle whose upset still changes a pixel, or the first.
        u.cycle = cycle_at_an_edge(
            u.cycle, schedule.busy_cycles(),
            [&](uint64_t cycle) {
              RegisterUpset a = u;
              a.cycle = cycle;
              return schedule.effect(a, {&input}).size();
            },
            rng);
      });
  EXPECT_GT(changed, 10);
  EXPECT_GT(masked, 10);
}

// A stuck-at of a register's bits for a number of cycles within its pass forces every value the register latches in
// them (a held weight or bias keeps the forced bits until it is next loaded): the layer's outputs are exactly those
// of the changes the model derives latch by latch, on every register kind, stuck at 0 and at 1, for a few cycles and
// for up to the rest of the pass.
TEST(RegisterModel, StuckAtsForceEveryValueTheRegisterLatches) {
  const auto [changed, masked] = upsets_match_the_rtl(
      7, 8,
      [](RegisterUpset& u, int t, const model::ArraySchedule& schedule, const FeatureMap&, std::mt19937_64& rng) {
        u.action = t % 2 ? model::BitAction::kStuckAt1 : model::BitAction::kStuckAt0;
        const uint64_t rest = schedule.busy_cycles() - u.cycle;
        u.hold = 1 + rng() % (t % 3 == 0 ? rest : std::min<uint64_t>(rest, 40));
      });
  EXPECT_GT(changed, 10);
  EXPECT_GT(masked, 3);
}

// A flip of stored bits of a word of any buffer at a busy cycle: the layer's outputs are exactly those of the
// accumulator (or output) changes the schedule's reads and writes give (model::ArraySchedule::buffer_changes).
TEST(RegisterModel, BufferUpsetsChangeTheOutputsAsTheReadsSay) {
  const AccelConfig config = test_accel();
  RtlEngine rtl(config, {});
  const SiteMap map(config);
  std::mt19937_64 rng(6);
  int changed = 0, masked = 0;
  for (const ConvShape& s : test_shapes(config)) {
    const TestLayer test = make_test_layer(s, config, rng);
    const ConvLayer& layer = test.layer;
    const FeatureMap &input = test.input, &golden = test.golden;
    const LayerPlan& plan = test.plan;
    const PassWords words = pass_words(plan, plan.passes[0], config);
    const model::ArraySchedule schedule({&layer}, {{s.in_h, s.in_w}}, config);
    const LayerPass& pass = plan.passes[0];
    for (int t = 0; t < 150; ++t) {
      model::BufferUpset u;
      u.buffer = Buffer(t % kNumBuffers);
      const Buffer buffer = u.buffer;
      // The words the pass uses, and a few beyond them.
      const size_t count[kNumBuffers] = {words.abuf + 2, words.wbuf + 2, size_t(pass.n_tiles) + 1,
                                         size_t(pass.m_count) + 1, size_t(pass.m_count * pass.n_tiles) + 1};
      u.word = int(rng() % count[int(buffer)]);
      u.lane = int(rng() % uint64_t(buffer == Buffer::kAbuf ? config.rows : config.cols));
      const int width = buffer == Buffer::kBbuf || buffer == Buffer::kAccbuf ? config.acc_bits : config.data_bits;
      const int bit = int(rng() % uint64_t(width));
      u.mask = uint64_t(1) << bit;
      u.cycle = rng() % schedule.busy_cycles();
      if (t % 2 == 1) {
        // At a read or a write: the last cycle whose upset the next read of the word still sees (or that the next
        // write overwrites), or the first it does not.
        u.cycle = cycle_at_an_edge(
            u.cycle, schedule.busy_cycles(),
            [&](uint64_t cycle) {
              model::BufferUpset a = u;
              a.cycle = cycle;
              const auto lanes = schedule.buffer_changes(a, input);
              return lanes ? int(lanes->size()) : -1;
            },
            rng);
      }
      // The cycle that writes the word is not carried (the fault write replaces the data write).
      if (!schedule.carries(u)) ++u.cycle;
      const auto lanes = schedule.buffer_changes(u, input);
      ASSERT_TRUE(lanes.has_value()) << buffer_name(buffer) << " word " << u.word << " cycle " << u.cycle;
      std::vector<model::AccumulatorChange> changes;
      for (const model::LaneChange& c : *lanes) {
        const int o = (plan.passes[0].n_tile_begin + c.n_tile) * config.cols + c.col;
        if (o < layer.out_channels)
          changes.push_back({0, uint32_t(plan.passes[0].m_begin + c.m) * uint32_t(layer.out_channels) + uint32_t(o),
                             c.delta, c.output_mask});
      }
      const FeatureMap expected = changed_output(input, layer, config, changes);
      const SramFault f{int(buffer), uint32_t(u.word), u.lane, u.mask};
      const auto hook = rtl.add_pass_hook([&](int, PassStage stage, HostPort&) {
        if (stage == PassStage::kStarted)
          rtl.harness().injector().schedule_sram({f, settling_sram_write(buffer, map)}, u.cycle);
      });
      const FeatureMap actual = rtl.run(input, layer);
      EXPECT_TRUE(actual == expected) << buffer_name(buffer) << " word " << u.word << " lane " << u.lane << " bit "
                                      << bit << " cycle " << u.cycle << " of " << schedule.busy_cycles()
                                      << "\n  RTL:   " << differences(actual, golden)
                                      << "\n  model: " << differences(expected, golden);
      (actual == golden ? masked : changed) += 1;
    }
  }
  EXPECT_GT(changed, 10);
  EXPECT_GT(masked, 5);
}

}  // namespace
}  // namespace flipsim
