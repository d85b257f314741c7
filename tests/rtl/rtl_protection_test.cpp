// The protectable accelerator: RTL == golden under every protection with no fault, and what each protection
// does to an upset it covers (corrected, detected, recomputed), on the Verilated RTL.
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <functional>
#include <random>

#include "model/accel/golden.h"
#include "rtl/fs_pkg.h"
#include "rtl_fixture.h"
#include "testbench/harness.h"
#include "testbench/random_layer.h"

namespace flipsim {
namespace {

Protection all_buffers(Code code, OnDetect on_detect = OnDetect::kFlag) {
  Protection p;
  p.buffer.fill(code);
  p.on_detect = on_detect;
  return p;
}

Protection all_pe(Redundancy r, OnDetect on_detect = OnDetect::kFlag) {
  Protection p;
  std::fill_n(p.registers.begin(), kNumPeRegisters, r);
  p.on_detect = on_detect;
  return p;
}

Protection one_class(RegisterClass c, Redundancy r, OnDetect on_detect = OnDetect::kFlag) {
  Protection p;
  p.registers[size_t(c)] = r;
  p.on_detect = on_detect;
  return p;
}
Protection controller(Redundancy r, OnDetect on_detect = OnDetect::kFlag) {
  return one_class(RegisterClass::kCtrl, r, on_detect);
}
Protection host(Redundancy r, OnDetect on_detect = OnDetect::kFlag) {
  return one_class(RegisterClass::kHost, r, on_detect);
}

struct Case {
  const char* name;
  Protection protection;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// A layer with more than one K tile (accbuf is read back) and more than one N tile.
const ConvShape kShape{7, 6, 19, 21, 3, 1, 1};

struct LayerOutcome {
  FeatureMap output, golden;
  ProtectionEvents events;
};

/// Runs kShape on the RTL with `protection`; `upset` (if set) acts at each stage of pass 0.
LayerOutcome run_layer(const Protection& protection,
              const std::function<void(Harness&, PassStage, HostPort&)>& upset = {}) {
  AccelConfig config = test_accel();
  config.protection = protection;
  RtlEngine rtl(config, {});
  std::mt19937_64 rng(11);
  ConvLayer layer = random_conv(kShape, config.data_bits, ValueMix::kUniform, rng);
  if (protection.clip_activations) add_random_clip(layer, config.data_bits, rng);
  const FeatureMap input = random_map(kShape.in_h, kShape.in_w, kShape.in_channels, config.data_bits,
                                      ValueMix::kUniform, rng);
  rtl.harness().scrub();
  rtl.reset_pass_count();
  RtlEngine::PassHooks::Subscription hook;
  if (upset)
    hook = rtl.add_pass_hook([&](int pass, PassStage stage, HostPort& port) {
      if (pass == 0) upset(rtl.harness(), stage, port);
    });
  LayerOutcome r;
  r.output = rtl.run(input, layer);
  r.events = rtl.protection_events();
  r.golden = golden_conv(input, layer, config.data_bits, config.acc_bits);
  return r;
}

/// Flips `mask` in word 0, lane 0 of `buffer` once the pass's buffers are loaded (read by the pass).
auto sram_upset(fs_pkg::buffer_e buffer, uint64_t mask) {
  return [=](Harness& h, PassStage stage, HostPort& port) {
    if (stage != PassStage::kLoaded) return;
    h.injector().schedule_sram({SramFault{int(buffer), 0, 0, mask}}, 0);
    port.clock(2);
  };
}

/// Flips `mask` of copy `replica` of fault group `group` for one cycle, `delay` cycles into the pass.
auto ff_upset(uint32_t group, int replica, uint64_t mask, uint64_t delay) {
  return [=](Harness& h, PassStage stage, HostPort&) {
    if (stage != PassStage::kStarted) return;
    FfFault f;
    f.group = group;
    f.replica = replica;
    f.flip_mask = mask;
    h.injector().schedule_ff(f, delay, 1);
  };
}

/// The same in PE[0][0]'s register `field`.
auto pe_upset(uint32_t field, int replica, uint64_t mask, uint64_t delay) {
  return ff_upset(fs_pkg::GroupPe + field, replica, mask, delay);
}

/// The same in the controller's output-row counter while the pass streams its pixels.
auto oy_upset(int replica) { return ff_upset(fs_pkg::GroupCtrl + fs_pkg::CtrlOyOffset, replica, 1, 12); }

/// The same in the descriptor's requantization multiplier, which holds through the pass.
auto multiplier_upset(int replica) {
  return ff_upset(fs_pkg::GroupHost + fs_pkg::HostDescOffset + fs_pkg::DescRqMult, replica, 1u << 20, 12);
}

class ProtectedRtlVsGolden : public ::testing::TestWithParam<Case> {};

TEST_P(ProtectedRtlVsGolden, BitExactAndQuietWithoutFaults) {
  const LayerOutcome r = run_layer(GetParam().protection);
  EXPECT_EQ(r.output, r.golden);
  EXPECT_EQ(r.events.detected_passes, 0);
  EXPECT_EQ(r.events.corrected_passes, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Protections, ProtectedRtlVsGolden,
    ::testing::Values(Case{"none", Protection{}}, Case{"parity", all_buffers(Code::kParity)},
                      Case{"secded", all_buffers(Code::kSecded)}, Case{"dmr", all_pe(Redundancy::kDmr)},
                      Case{"tmr", all_pe(Redundancy::kTmr)}, Case{"tmr_upper_zero", all_pe(Redundancy::kTmrUpper,
                                                                                            OnDetect::kZero)},
                      Case{"ctrl_dmr", controller(Redundancy::kDmr)}, Case{"ctrl_tmr", controller(Redundancy::kTmr)},
                      Case{"host_dmr", host(Redundancy::kDmr)}, Case{"host_tmr_upper", host(Redundancy::kTmrUpper)},
                      Case{"clip", [] {
                             Protection p;
                             p.clip_activations = true;
                             return p;
                           }()},
                      Case{"clip_secded_tmr", [] {
                             Protection p = all_buffers(Code::kSecded);
                             p.registers.fill(Redundancy::kTmr);
                             p.clip_activations = true;
                             return p;
                           }()}),
    [](const auto& info) { return std::string(info.param.name); });

/// One upset under one protection, and what must come of it (one per process: SystemC elaborates once).
struct UpsetCase {
  const char* name;
  Protection protection;
  std::function<void(Harness&, PassStage, HostPort&)> upset;
  bool golden;           ///< the output equals the fault-free one
  int corrected_passes;  ///< at least this many
  int detected_passes;   ///< exactly this many
  int recomputes;        ///< exactly this many
};
void PrintTo(const UpsetCase& c, std::ostream* os) { *os << c.name; }

class ProtectedUpset : public ::testing::TestWithParam<UpsetCase> {};

TEST_P(ProtectedUpset, ActsAsTheCircuitPromises) {
  const UpsetCase& c = GetParam();
  const LayerOutcome r = run_layer(c.protection, c.upset);
  EXPECT_EQ(r.output == r.golden, c.golden);
  EXPECT_GE(r.events.corrected_passes, c.corrected_passes);
  EXPECT_EQ(r.events.detected_passes, c.detected_passes);
  EXPECT_EQ(r.events.recomputes, c.recomputes);
}

// Word 0, lane 0 of wbuf and abuf and PE[0][0]'s weight are read by pass 0: unprotected, each upset shows in the
// output (the "unprotected" cases are the controls that make the others mean something).
INSTANTIATE_TEST_SUITE_P(
    Upsets, ProtectedUpset,
    ::testing::Values(
        UpsetCase{"unprotected_wbuf_flip", Protection{}, sram_upset(fs_pkg::BufWbuf, 1 << 6), false, 0, 0, 0},
        UpsetCase{"secded_corrects_data_bit", all_buffers(Code::kSecded), sram_upset(fs_pkg::BufWbuf, 1 << 3),
                  true, 1, 0, 0},
        // Bit 9 of the stored lane: check bit 1, after the 8 data bits.
        UpsetCase{"secded_corrects_check_bit", all_buffers(Code::kSecded), sram_upset(fs_pkg::BufWbuf, 1 << 9),
                  true, 1, 0, 0},
        UpsetCase{"secded_detects_double_flip", all_buffers(Code::kSecded), sram_upset(fs_pkg::BufAbuf, 0b101),
                  false, 0, 1, 0},
        UpsetCase{"parity_flags", all_buffers(Code::kParity), sram_upset(fs_pkg::BufWbuf, 1 << 6), false, 0, 1, 0},
        UpsetCase{"parity_recompute_repairs", all_buffers(Code::kParity, OnDetect::kRecompute),
                  sram_upset(fs_pkg::BufWbuf, 1 << 6), true, 0, 0, 1},
        UpsetCase{"unprotected_weight_flip", Protection{}, pe_upset(fs_pkg::PeWeightField, 0, 0x40, 40), false, 0, 0,
                  0},
        UpsetCase{"tmr_masks_copy0", all_pe(Redundancy::kTmr), pe_upset(fs_pkg::PeWeightField, 0, 0x40, 40), true, 1,
                  0, 0},
        UpsetCase{"tmr_masks_copy1", all_pe(Redundancy::kTmr), pe_upset(fs_pkg::PeWeightField, 1, 0x40, 40), true, 1,
                  0, 0},
        UpsetCase{"tmr_masks_copy2", all_pe(Redundancy::kTmr), pe_upset(fs_pkg::PeWeightField, 2, 0x40, 40), true, 1,
                  0, 0},
        UpsetCase{"tmr_upper_leaves_low_bits", all_pe(Redundancy::kTmrUpper),
                  pe_upset(fs_pkg::PeWeightField, 0, 0x02, 40), false, 0, 0, 0},
        UpsetCase{"dmr_detects_copy0", all_pe(Redundancy::kDmr), pe_upset(fs_pkg::PeWeightField, 0, 0x40, 40), false,
                  0, 1, 0},
        UpsetCase{"dmr_detects_copy1", all_pe(Redundancy::kDmr), pe_upset(fs_pkg::PeWeightField, 1, 0x40, 40), true, 0,
                  1, 0},
        UpsetCase{"dmr_recompute_repairs", all_pe(Redundancy::kDmr, OnDetect::kRecompute),
                  pe_upset(fs_pkg::PeWeightField, 0, 0x40, 40), true, 0, 0, 1},
        UpsetCase{"unprotected_ctrl_flip", Protection{}, oy_upset(0), false, 0, 0, 0},
        UpsetCase{"ctrl_tmr_masks_copy0", controller(Redundancy::kTmr), oy_upset(0), true, 1, 0, 0},
        UpsetCase{"ctrl_tmr_masks_copy1", controller(Redundancy::kTmr), oy_upset(1), true, 1, 0, 0},
        UpsetCase{"ctrl_tmr_masks_copy2", controller(Redundancy::kTmr), oy_upset(2), true, 1, 0, 0},
        UpsetCase{"ctrl_dmr_detects_copy0", controller(Redundancy::kDmr), oy_upset(0), false, 0, 1, 0},
        UpsetCase{"ctrl_dmr_recompute_repairs", controller(Redundancy::kDmr, OnDetect::kRecompute), oy_upset(0), true,
                  0, 0, 1},
        UpsetCase{"unprotected_host_flip", Protection{}, multiplier_upset(0), false, 0, 0, 0},
        UpsetCase{"host_tmr_masks_copy0", host(Redundancy::kTmr), multiplier_upset(0), true, 1, 0, 0},
        UpsetCase{"host_tmr_masks_copy2", host(Redundancy::kTmr), multiplier_upset(2), true, 1, 0, 0},
        UpsetCase{"host_dmr_detects_copy0", host(Redundancy::kDmr), multiplier_upset(0), false, 0, 1, 0},
        UpsetCase{"host_dmr_recompute_repairs", host(Redundancy::kDmr, OnDetect::kRecompute), multiplier_upset(0),
                  true, 0, 0, 1}),
    [](const auto& info) { return std::string(info.param.name); });

// Clipping acts on each output alone: under an activation-buffer upset the clipped layer's output is the
// unclipped faulty output clamped to the ranges (here the middle half of each channel's fault-free range on this
// input, as random layers saturate), so no corrupted output leaves its channel's range.
TEST(ClippedRtl, ClampsEveryCorruptedOutputToItsChannelsRange) {
  AccelConfig config = test_accel();
  config.protection.clip_activations = true;
  RtlEngine rtl(config, {});
  std::mt19937_64 rng(11);
  const ConvLayer layer = random_conv(kShape, config.data_bits, ValueMix::kUniform, rng);
  const FeatureMap input = random_map(kShape.in_h, kShape.in_w, kShape.in_channels, config.data_bits,
                                      ValueMix::kUniform, rng);
  const FeatureMap golden = golden_conv(input, layer, config.data_bits, config.acc_bits);
  ConvLayer clipping = layer;
  clipping.clip.assign(size_t(layer.out_channels), ClipRange{INT32_MAX, INT32_MIN});
  for (size_t j = 0; j < golden.data.size(); ++j) {
    ClipRange& r = clipping.clip[j % size_t(layer.out_channels)];
    r.lo = std::min(r.lo, golden.data[j]);
    r.hi = std::max(r.hi, golden.data[j]);
  }
  for (ClipRange& r : clipping.clip) r = {r.lo + (r.hi - r.lo) / 4, r.hi - (r.hi - r.lo) / 4};
  const auto upset = sram_upset(fs_pkg::BufAbuf, uint64_t(1) << (config.data_bits - 1));
  const RtlEngine::PassHooks::Subscription hook = rtl.add_pass_hook([&](int pass, PassStage stage, HostPort& port) {
    if (pass == 0) upset(rtl.harness(), stage, port);
  });
  auto run = [&](const ConvLayer& l) {
    rtl.harness().scrub();
    rtl.reset_pass_count();
    return rtl.run(input, l);
  };
  const FeatureMap faulty = run(layer), clipped = run(clipping);
  ASSERT_NE(faulty, golden) << "the upset must show without clipping";
  size_t corrupted_outside = 0;
  FeatureMap expected = faulty;
  for (size_t j = 0; j < faulty.data.size(); ++j) {
    const ClipRange& r = clipping.clip[j % size_t(layer.out_channels)];
    corrupted_outside += faulty.data[j] != golden.data[j] && (faulty.data[j] < r.lo || faulty.data[j] > r.hi);
    expected.data[j] = r.apply(faulty.data[j]);
  }
  EXPECT_GT(corrupted_outside, 0u) << "the upset must push some output out of its channel's range";
  EXPECT_EQ(clipped, expected);
}

}  // namespace
}  // namespace flipsim
