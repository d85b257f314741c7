// Targeted injections on the RTL produce each outcome class for the reason expected.
#include <gtest/gtest.h>

#include "sim/campaign/injection_runner.h"
#include "model/accel/golden.h"
#include "sim/campaign/outcome.h"
#include "campaign_test_util.h"

namespace flipsim {
namespace {

class TargetedInjection : public ::testing::Test {
 protected:
  TargetedInjection()
      : setup_(load_campaign_setup(test::write_campaign("targeted", "  images: [0]\n  fault: {model: flip}\n"))),
        runner_(*setup_, 200000),
        timeline_(runner_.probe()) {}

  /// A flip of `mask` in register `name` at busy cycle `offset` of pass `pass`.
  Injection flip(const std::string& name, uint64_t mask, int pass, uint64_t offset) {
    Injection inj;
    inj.image = 0;
    inj.model = FaultModel::kFlip;
    inj.has_site = true;
    inj.mask = mask;
    inj.pass = pass;
    inj.offset = offset;
    const SiteMap& map = *setup_->map;
    for (size_t g = 0; g < map.ff_groups().size(); ++g)
      if (map.ff_groups()[g].name == name) inj.site = map.site(map.group_first_site(int(g)) + uint64_t(__builtin_ctzll(mask)));
    EXPECT_GE(inj.site.ff_group, 0) << name;
    return inj;
  }

  int golden_top1() {
    GoldenEngine golden(setup_->config.network.accel);
    return top1(setup_->net.run(setup_->net.quantize_image(setup_->test.image(0)), golden)[setup_->net.output_value]);
  }

  std::unique_ptr<CampaignSetup> setup_;
  InjectionRunner runner_;
  Timeline timeline_;
};

TEST_F(TargetedInjection, PartialSumMsbWhileItCarriesALogitIsCritical) {
  // The last pass computes the logits (one pixel, K tiles of 8 inputs). Output channel c's partial sum leaves
  // PE[7][c] about Bias + LoadW(8) + read + skew(7) + c cycles into the first K tile.
  const int last = int(timeline_.pass_cycles.size()) - 1;
  const int c = golden_top1() == 0 ? 1 : 0;
  int critical = 0;
  for (uint64_t offset = 14; offset <= 22; ++offset) {
    const InjectionRecord r = runner_.run(flip("array.pe[7][" + std::to_string(c) + "].psum_q", 1u << 30, last, offset));
    critical += r.outcome == Outcome::kSdcCritical;
    if (r.outcome == Outcome::kSdcCritical) {
      EXPECT_EQ(r.faulty_top1, c);
      EXPECT_GT(r.max_logit_dev, 0.0);
      EXPECT_EQ(r.first_diff, timeline_.pass_layer[size_t(last)]);
    }
  }
  EXPECT_GE(critical, 1);
}

TEST_F(TargetedInjection, PartialSumLsbIsMaskedByRequantizationRounding) {
  // The same live partial sum as above, off by one: the PPU's rounding shift hides it.
  const int last = int(timeline_.pass_cycles.size()) - 1;
  int rounding = 0;
  for (uint64_t offset = 14; offset <= 22; ++offset) {
    const InjectionRecord r = runner_.run(flip("array.pe[7][0].psum_q", 1u, last, offset));
    EXPECT_NE(r.outcome, Outcome::kSdcCritical);
    if (r.outcome == Outcome::kMasked)
      EXPECT_TRUE(r.masked_at == MaskingStage::kArray || r.masked_at == MaskingStage::kRounding) << r.masked_at;
    rounding += r.masked_at == MaskingStage::kRounding;
  }
  EXPECT_GE(rounding, 1);
}

TEST_F(TargetedInjection, WeightFlipAfterItsLastUseIsMasked) {
  const int last = int(timeline_.pass_cycles.size()) - 1;
  const InjectionRecord r =
      runner_.run(flip("array.pe[0][0].weight_q", 1u << 7, last, timeline_.pass_cycles[size_t(last)] - 1));
  EXPECT_EQ(r.outcome, Outcome::kMasked);
  EXPECT_EQ(r.masked_at, MaskingStage::kArray);  // no accumulator reaching the PPU differed
  EXPECT_EQ(r.first_diff, "");
  EXPECT_EQ(r.faulty_top1, r.golden_top1);
}

TEST_F(TargetedInjection, ControllerStateFlipHangsAndTheWatchdogCatchesIt) {
  // Bit 2 of the FSM state turns every busy state into an invalid or idle one: the done never comes.
  const InjectionRecord r = runner_.run(flip("ctrl.state_q", 1u << 2, 0, timeline_.pass_cycles[0] / 2));
  EXPECT_EQ(r.outcome, Outcome::kHang);
  EXPECT_EQ(r.first_diff, timeline_.pass_layer[0]);
  // The DUT is reset between injections: the next fault-free behaviour is intact.
  const InjectionRecord ok = runner_.run(flip("array.pe[0][0].weight_q", 1u << 7, int(timeline_.pass_cycles.size()) - 1,
                                              timeline_.pass_cycles.back() - 1));
  EXPECT_EQ(ok.outcome, Outcome::kMasked);
}

TEST_F(TargetedInjection, StoredPartialSumFlipIsReadLaterAndChangesTheClass) {
  // The last pass keeps the logits' partial sums in accumulator-buffer word 0 between K tiles. A flip there
  // persists until the next tile reads, adds to and rewrites the word. Flipping bit 30 raises a non-negative
  // partial sum by 2^30, flipping bit 31 raises a negative one by 2^31: one of the two saturates logit c.
  const int last = int(timeline_.pass_cycles.size()) - 1;
  const int c = golden_top1() == 0 ? 1 : 0;
  Injection inj;
  inj.image = 0;
  inj.model = FaultModel::kSramFlip;
  inj.has_site = true;
  inj.mask = 1u << 30;
  inj.pass = last;
  inj.offset = timeline_.pass_cycles[size_t(last)] / 4;  // inside output-channel tile 0's K loop
  const SiteMap& map = *setup_->map;
  int critical = 0;
  for (int bit : {30, 31}) {
    inj.mask = uint64_t(1) << bit;
    inj.site = map.site(map.buffer_first_site(Buffer::kAccbuf) + uint64_t(c) * 32 + uint64_t(bit));
    ASSERT_EQ(inj.site.word, 0);
    ASSERT_EQ(inj.site.lane, c);
    const InjectionRecord r = runner_.run(inj);
    EXPECT_EQ(r.site_class, "accbuf");
    EXPECT_NE(r.outcome, Outcome::kMasked) << "bit " << bit;  // either way the stored partial sum reaches the logit
    if (r.outcome == Outcome::kSdcCritical) {
      EXPECT_EQ(r.faulty_top1, c);
      ++critical;
    }
  }
  EXPECT_EQ(critical, 1);
}

}  // namespace
}  // namespace flipsim
