// Bad campaign configurations are errors that name the file, the key and its line.
#include "sim/campaign/campaign_config.h"

#include <gtest/gtest.h>

#include "model/common/config_error.h"
#include "campaign_test_util.h"

namespace flipsim {
namespace {

std::string error_of(const std::string& path) {
  try {
    load_campaign_config(path);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(CampaignConfig, LoadsTheQuickstart) {
  const CampaignConfig c = load_campaign_config(FLIPSIM_SOURCE_DIR "/configs/campaigns/quickstart.yaml");
  EXPECT_EQ(c.name, "quickstart");
  EXPECT_EQ(c.images.size(), 8u);
  EXPECT_EQ(c.fault, FaultModel::kFlip);
  EXPECT_GT(c.injections, 0u);
  EXPECT_EQ(c.network.accel.rows, 8);
}

// The sensitivity studies of docs/validation.md: every class, the same share each, held-out images in turn.
TEST(CampaignConfig, LoadsEveryShippedSensitivityStudy) {
  for (const char* net : {"lenet5", "cnn"}) {
    const CampaignConfig c = load_campaign_config(std::string(FLIPSIM_SOURCE_DIR "/configs/campaigns/sensitivity_") +
                                                  net + ".yaml");
    EXPECT_EQ(c.targets.classes.size(), size_t(kNumSiteClasses)) << net;
    EXPECT_TRUE(c.targets.per_class) << net;
    EXPECT_TRUE(c.images_in_turn) << net;
    EXPECT_EQ(c.images.front(), 5000) << net;
    EXPECT_EQ(c.injections % c.images.size(), 0u) << net;
  }
}

struct BadCase {
  const char* name;
  const char* body;
  const char* expect;  ///< text the message must contain
};
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class BadCampaign : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadCampaign, IsAClearError) {
  const std::string path = test::write_campaign(GetParam().name, GetParam().body);
  const std::string e = error_of(path);
  ASSERT_FALSE(e.empty()) << "accepted";
  EXPECT_NE(e.find(GetParam().expect), std::string::npos) << e;
  EXPECT_NE(e.find(path), std::string::npos) << e;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadCampaign,
    ::testing::Values(
        BadCase{"unknown_key", "  images: 2\n  fault: {model: flip}\n  injektions: 4\n", "unknown key 'campaign.injektions'"},
        BadCase{"wrong_type", "  images: two\n  fault: {model: flip}\n", "campaign.images"},
        BadCase{"out_of_range", "  images: 2\n  fault: {model: flip}\n  workers: 0\n", "campaign.workers"},
        BadCase{"unknown_model", "  images: 2\n  fault: {model: laser}\n", "campaign.fault.model"},
        BadCase{"unknown_class", "  images: 2\n  targets: {classes: [pe_foo]}\n  fault: {model: flip}\n",
                "unknown site class 'pe_foo'"},
        BadCase{"model_vs_class", "  images: 2\n  targets: {classes: [wbuf]}\n  fault: {model: stuck_at_0}\n",
                "flip-flops only"},
        BadCase{"both_sizings", "  images: 2\n  fault: {model: flip}\n  injections: 5\n  margin: 0.1\n", "not both"},
        BadCase{"bad_range", "  images: 2\n  targets: {bits: [9, 3]}\n  fault: {model: flip}\n", "campaign.targets.bits"},
        BadCase{"missing_fault", "  images: 2\n", "missing required key 'campaign.fault'"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(CampaignConfig, LineNumbersPointAtTheKey) {
  const std::string path = test::write_campaign("line", "  images: 2\n  fault: {model: flip}\n  seed: -4\n");
  const std::string e = error_of(path);
  EXPECT_NE(e.find(path + ":6"), std::string::npos) << e;  // campaign:, name, network, images, fault, seed
}

TEST(CampaignConfig, MissingNetworkFileIsNamed) {
  const std::string path = test::write_campaign("missing_net", "  images: 2\n  fault: {model: flip}\n",
                                                "configs/infer/no_such_network.yaml");
  EXPECT_NE(error_of(path).find("no_such_network.yaml"), std::string::npos);
}

}  // namespace
}  // namespace flipsim
