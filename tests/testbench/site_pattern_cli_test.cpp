// Site patterns end to end: `flipsim sites --filter` and campaign `targets.pattern` select the bit counts the
// accelerator geometry gives for every documented pattern, and bad patterns are refused with a useful message.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "documented_patterns.h"
#include "sim/campaign/fault_plan.h"
#include "testbench/site_pattern.h"
#include "tests/cli_run.h"
#include "tests/sim/campaign/campaign_test_util.h"

namespace flipsim {
namespace {

test::CliRun sites(const std::string& args) { return test::run_flipsim("sites " + args); }

uint64_t total_bits(const std::string& pattern) {
  const test::CliRun r = sites("--json --filter '" + pattern + "'");
  EXPECT_EQ(r.status, 0) << pattern << ": " << r.output;
  return r.status == 0 ? nlohmann::json::parse(r.output).at("total_bits").get<uint64_t>() : 0;
}

TEST(SitePatternCli, DocumentedPatternsSelectTheBitsTheGeometryGives) {
  for (const auto& d : test::documented_patterns(AccelConfig{})) EXPECT_EQ(total_bits(d.pattern), d.bits) << d.pattern;
}

TEST(SitePatternCli, OtherAcceleratorsToo) {
  const std::string narrow = std::string(FLIPSIM_SOURCE_DIR) + "/configs/accel/narrow_4x6.yaml";
  const AccelConfig config = load_accel_config(narrow);
  for (const auto& d : test::documented_patterns(config)) {
    const test::CliRun r = sites("--json --accel " + narrow + " --filter '" + d.pattern + "'");
    ASSERT_EQ(r.status, 0) << d.pattern << ": " << r.output;
    EXPECT_EQ(nlohmann::json::parse(r.output).at("total_bits").get<uint64_t>(), d.bits) << d.pattern;
  }
}

TEST(SitePatternCli, EveryPatternInTheHelpIsCounted) {
  const test::CliRun help = sites("--help");
  ASSERT_EQ(help.status, 0);
  std::set<std::string> known{"*"};
  for (const auto& d : test::documented_patterns(AccelConfig{})) known.insert(d.pattern);
  int shown = 0;
  for (const std::string& quoted : test::captures(help.output, "'([^' ]+)'")) {
    try {
      SitePattern p(quoted);
    } catch (const SitePatternError&) {
      continue;  // quoted syntax such as '[' is not a pattern
    }
    ++shown;
    EXPECT_EQ(known.count(quoted), 1u) << "--help shows a pattern without a count: " << quoted;
  }
  EXPECT_GE(shown, 4);
}

TEST(SitePatternCli, ListsWhatIsSelectedOfEachRegisterAndBuffer) {
  const test::CliRun r = sites("--list --filter 'wbuf[0x1a0:0x1af]'");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("matching 'wbuf[0x1a0:0x1af]': 1024 bits"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("  wbuf[0x1a0:0x1af]"), std::string::npos) << r.output;
  const auto j = nlohmann::json::parse(sites("--json --filter 'array.pe[0:3][*].weight_q[7]'").output);
  ASSERT_EQ(j.at("registers").size(), 32u);
  EXPECT_EQ(j.at("registers")[0].at("selected"), "array.pe[0][0].weight_q[7]");
  EXPECT_EQ(j.at("registers")[0].at("bits"), 1);
}

TEST(SitePatternCli, MalformedPatternSaysWhatWasExpectedWhere) {
  const test::CliRun r = sites("--filter 'array.pe[0:][*]'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("site pattern 'array.pe[0:][*]': at character 12, expected a number after ':'"),
            std::string::npos)
      << r.output;
}

TEST(SitePatternCli, PatternSelectingNothingShowsTheNearestNames) {
  const test::CliRun r = sites("--filter 'array.pe[0][*].psm_q'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("selects no fault site; the nearest names that exist:\n  array.pe[0:7][0:7].psum_q"),
            std::string::npos)
      << r.output;
}

// ---- campaign targets.pattern ----

TEST(SitePatternCampaign, TheDocumentedConfigurationSelectsWhatItSays) {
  // The YAML block of docs/campaigns.md, with its network path made absolute.
  std::string doc = test::read_source_file("docs/campaigns.md");
  const size_t start = doc.find("```yaml\ncampaign:\n");
  ASSERT_NE(start, std::string::npos);
  std::string yaml = doc.substr(start + 8, doc.find("```", start + 8) - start - 8);
  const std::string net = "network: ../infer/lenet5.yaml";
  ASSERT_NE(yaml.find(net), std::string::npos);
  yaml.replace(yaml.find(net), net.size(),
               std::string("network: ") + FLIPSIM_SOURCE_DIR + "/configs/infer/lenet5.yaml");
  const std::string path = test::temp_dir() + "/doc_example.yaml";
  std::ofstream(path) << yaml;
  const CampaignConfig c = load_campaign_config(path);
  const AccelConfig& a = c.network.accel;
  const SiteMap map(a);
  // pattern "array.pe[*][0].*", classes psum + weight, rows 0..3, bits 24..31 (a weight has data_bits bits).
  auto bits_in = [](int width) { return uint64_t(std::max(0, std::min(width - 1, 31) - 24 + 1)); };
  const uint64_t rows = uint64_t(std::min(a.rows, 4));
  EXPECT_EQ(TargetSpace(map, c).size(), rows * (bits_in(a.acc_bits) + bits_in(a.data_bits)));
}

TEST(SitePatternCampaign, SamplesOnlyTheSelectedWordsAndBits) {
  const CampaignConfig c = load_campaign_config(
      test::write_campaign("pattern_words",
                           "  images: 1\n  targets: {pattern: \"wbuf[0x1a0:0x1af][4:19]\", bits: [0, 5]}\n"
                           "  fault: {model: sram_flip}\n"));
  const SiteMap map(c.network.accel);
  const TargetSpace space(map, c);
  // 16 words; word bits 4..19 are lane 0 bits 4..7, lane 1 bits 0..7, lane 2 bits 0..3; bits [0, 5] of a lane
  // keep lane 0 bits 4..5, lane 1 bits 0..5, lane 2 bits 0..3.
  ASSERT_EQ(c.network.accel.data_bits, 8);
  EXPECT_EQ(space.size(), 16u * (2 + 6 + 4));
  std::set<uint64_t> seen;
  for (uint64_t i = 0; i < space.size(); ++i) {
    const Site s = space.pick(i);
    EXPECT_EQ(s.buffer, Buffer::kWbuf);
    EXPECT_GE(s.word, 0x1a0);
    EXPECT_LE(s.word, 0x1af);
    const int word_bit = s.lane * 8 + s.bit;
    EXPECT_TRUE(word_bit >= 4 && word_bit <= 19 && s.bit <= 5) << map.name(s);
    seen.insert(s.id);
  }
  EXPECT_EQ(seen.size(), space.size());
}

TEST(SitePatternCampaign, BadPatternsNameTheFileAndTheKey) {
  const std::string malformed = test::write_campaign(
      "pattern_bad", "  images: 1\n  targets: {pattern: \"array.pe[0:]\"}\n  fault: {model: flip}\n");
  try {
    load_campaign_config(malformed);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(malformed), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("at character 12, expected a number after ':'"), std::string::npos)
        << e.what();
  }
  const CampaignConfig empty =
      load_campaign_config(test::write_campaign(
          "pattern_empty", "  images: 1\n  targets: {pattern: \"wbuff\"}\n  fault: {model: flip}\n"));
  const SiteMap map(empty.network.accel);
  try {
    const TargetSpace space(map, empty);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("site pattern 'wbuff' selects no fault site"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("\n  wbuf[0x0:0xfff]"), std::string::npos) << e.what();
  }
}

TEST(SitePatternCampaign, BitErrorRateModeRefusesPartOfABuffer) {
  const CampaignConfig c = load_campaign_config(test::write_campaign(
      "pattern_ber", "  images: 1\n  targets: {pattern: \"wbuf[0:15]\"}\n  fault: {model: sram_ber}\n"));
  const SiteMap map(c.network.accel);
  try {
    const TargetSpace space(map, c);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("sram_ber"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace flipsim
