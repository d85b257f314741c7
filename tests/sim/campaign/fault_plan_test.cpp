// The fault plan: target filtering, uniform and deterministic draws.
#include "sim/campaign/fault_plan.h"

#include <gtest/gtest.h>

#include <map>

#include "campaign_test_util.h"
#include "model/common/config_error.h"

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

// targets.per_class: every class gets its share whatever its size (wbuf has 30x the bits of all PE registers),
// and every draw lands in a selected class.
TEST(FaultPlan, PerClassDrawsGiveEveryClassAnEqualShare) {
  const CampaignConfig c = load_campaign_config(test::write_campaign(
      "per_class", "  images: 2\n  targets: {classes: [pe_valid, ctrl, wbuf], per_class: true}\n"
                   "  fault: {model: flip}\n"));
  const SiteMap map(c.network.accel);
  const TargetSpace space(map, c);
  ASSERT_EQ(space.classes().size(), 3u);
  uint64_t sizes = 0;
  for (size_t k = 0; k < space.classes().size(); ++k) {
    sizes += space.class_size(k);
    for (uint64_t i = 0; i < space.class_size(k); i += 1 + space.class_size(k) / 50)
      EXPECT_EQ(space.pick_in_class(k, i).cls, space.classes()[k]);
  }
  EXPECT_EQ(sizes, space.size());
  std::map<SiteClass, int> drawn;
  const int n = 3000;
  for (int id = 0; id < n; ++id) ++drawn[draw_injection(uint64_t(id), c, space, map, three_passes()).site.cls];
  ASSERT_EQ(drawn.size(), 3u);
  // Binomial(3000, 1/3): sd 25.8; 5 sd either side.
  for (const auto& [cls, count] : drawn) {
    EXPECT_GT(count, 1000 - 130) << site_class_name(cls);
    EXPECT_LT(count, 1000 + 130) << site_class_name(cls);
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

TEST(FaultPlan, ImagesInTurnGiveEveryImageTheSameShareAndLeaveTheOtherDrawsAlone) {
  const std::string body = "  images: 5\n  first_image: 40\n  fault: {model: flip}\n  seed: 3\n";
  const CampaignConfig random = load_campaign_config(test::write_campaign("random_images", body));
  const CampaignConfig in_turn =
      load_campaign_config(test::write_campaign("images_in_turn", body + "  image_choice: in_turn\n"));
  EXPECT_FALSE(random.images_in_turn);
  ASSERT_TRUE(in_turn.images_in_turn);
  const SiteMap map(random.network.accel);
  const TargetSpace space(map, random);
  std::map<int, int> per_image;
  int moved = 0;
  for (uint64_t id = 0; id < 500; ++id) {
    const Injection a = draw_injection(id, random, space, map, three_passes());
    const Injection b = draw_injection(id, in_turn, space, map, three_passes());
    EXPECT_EQ(b.image, 40 + int(id % 5));
    EXPECT_EQ(a.site.id, b.site.id);
    EXPECT_EQ(a.cycle, b.cycle);
    EXPECT_EQ(a.stream, b.stream);
    moved += a.image != b.image;
    ++per_image[b.image];
  }
  for (const auto& [image, n] : per_image) EXPECT_EQ(n, 100) << image;
  EXPECT_GT(moved, 300);  // the random draw really differs: about 4 in 5 land elsewhere
  EXPECT_THROW(load_campaign_config(test::write_campaign("bad_choice", body + "  image_choice: sorted\n")),
               ConfigError);
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
