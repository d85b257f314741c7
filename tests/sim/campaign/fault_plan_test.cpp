// The fault plan: target filtering, uniform and deterministic draws.
#include "sim/campaign/fault_plan.h"

#include <gtest/gtest.h>

#include <map>

#include "campaign_test_util.h"

namespace flipsim {
namespace {

Timeline three_passes() {
  Timeline t;
  t.pass_cycles = {100, 50, 10};
  t.pass_layer = {"a", "b", "c"};
  return t;
}

TEST(FaultPlan, FiltersByClassRowColumnAndBits) {
  const CampaignConfig c = load_campaign_config(test::write_campaign(
      "filter", "  images: 2\n  targets: {classes: [pe_psum], rows: [2, 3], cols: [5, 5], bits: [28, 31]}\n"
                "  fault: {model: flip}\n"));
  const SiteMap map(c.network.accel);
  const TargetSpace space(map, c);
  EXPECT_EQ(space.size(), 2u * 1u * 4u);
  for (uint64_t i = 0; i < space.size(); ++i) {
    const Site s = space.pick(i);
    EXPECT_EQ(s.cls, SiteClass::kPePsum);
    EXPECT_GE(s.row, 2);
    EXPECT_LE(s.row, 3);
    EXPECT_EQ(s.col, 5);
    EXPECT_GE(s.bit, 28);
    EXPECT_LE(s.bit, 31);
  }
}

TEST(FaultPlan, SramTargetsCoverEveryWordLaneAndBit) {
  const CampaignConfig c =
      load_campaign_config(test::write_campaign("sram", "  images: 2\n  targets: {classes: [bbuf]}\n  fault: {model: sram_flip}\n"));
  const SiteMap map(c.network.accel);
  const TargetSpace space(map, c);
  ASSERT_EQ(space.size(), uint64_t(map.depth(Buffer::kBbuf)) * map.lanes(Buffer::kBbuf) * map.lane_bits(Buffer::kBbuf));
  for (uint64_t i = 0; i < space.size(); i += 97) {
    const Site s = space.pick(i);
    EXPECT_TRUE(s.sram);
    EXPECT_EQ(s.buffer, Buffer::kBbuf);
    EXPECT_EQ(s.id, map.buffer_first_site(Buffer::kBbuf) + i);  // picks walk the buffer in id order
  }
}

TEST(FaultPlan, DrawsAreDeterministicAndCoverTheTimeline) {
  const CampaignConfig c = load_campaign_config(test::write_campaign(
      "draws", "  images: [3, 7]\n  targets: {classes: [pe_weight]}\n  fault: {model: multi_bit, bits: 3}\n  seed: 9\n"));
  const SiteMap map(c.network.accel);
  const TargetSpace space(map, c);
  const Timeline t = three_passes();
  std::map<int, int> per_pass;
  for (uint64_t id = 0; id < 2000; ++id) {
    const Injection a = draw_injection(id, c, space, map, t);
    const Injection b = draw_injection(id, c, space, map, t);
    ASSERT_EQ(a.site.id, b.site.id);
    ASSERT_EQ(a.cycle, b.cycle);
    ASSERT_EQ(a.image, b.image);
    EXPECT_TRUE(a.image == 3 || a.image == 7);
    EXPECT_LT(a.cycle, t.total());
    EXPECT_LT(a.offset, t.pass_cycles[size_t(a.pass)]);
    EXPECT_EQ(__builtin_popcountll(a.mask), std::min(3, 8 - a.site.bit));  // adjacent bits, clipped to the width
    ++per_pass[a.pass];
  }
  // Uniform over busy cycles: pass shares 100 : 50 : 10 (binomial 4-sigma bounds).
  EXPECT_NEAR(per_pass[0], 1250, 90);
  EXPECT_NEAR(per_pass[1], 625, 80);
  EXPECT_NEAR(per_pass[2], 125, 45);
}

TEST(FaultPlan, DifferentSeedsDifferentDraws) {
  const std::string body = "  images: 2\n  fault: {model: flip}\n  seed: ";
  const CampaignConfig a = load_campaign_config(test::write_campaign("seed1", body + "1\n"));
  const CampaignConfig b = load_campaign_config(test::write_campaign("seed2", body + "2\n"));
  const SiteMap map(a.network.accel);
  const TargetSpace sa(map, a), sb(map, b);
  int same = 0;
  for (uint64_t id = 0; id < 100; ++id)
    same += draw_injection(id, a, sa, map, three_passes()).site.id == draw_injection(id, b, sb, map, three_passes()).site.id;
  EXPECT_LT(same, 5);
}

}  // namespace
}  // namespace flipsim
