// One aggregation, one meaning of "sdc": the campaign summary and `flipsim report` count the same injections the
// same way, and every rate comes with its n and Wilson interval.
#include "sim/campaign/report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "campaign_test_util.h"
#include "model/common/stats.h"

namespace flipsim {
namespace {

InjectionRecord injection(uint64_t id, const std::string& site_class, Outcome outcome) {
  InjectionRecord r;
  r.id = id;
  r.fault_model = "flip";
  r.site_class = site_class;
  r.layer = "conv1";
  r.row = 0;
  r.col = int(id % 2);
  r.bit = 3;
  r.outcome = outcome;
  r.masked_at = outcome == Outcome::kMasked ? MaskingStage::kArray : MaskingStage::kNone;
  return r;
}

/// Class "a": masked, sdc (top-1 kept), two sdc_critical, hang. Class "b": one masked.
std::string tallied_db() {
  const std::string db = test::temp_dir() + "/aggregation.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  ResultStore store(db);
  store.create_campaign(CampaignRow{"agg", "/dev/null", "text", 1, 6, "{}", "8x8_d8_a32", "net.onnx"});
  store.insert({injection(0, "a", Outcome::kMasked), injection(1, "a", Outcome::kSdc),
                injection(2, "a", Outcome::kSdcCritical), injection(3, "a", Outcome::kSdcCritical),
                injection(4, "a", Outcome::kHang), injection(5, "b", Outcome::kMasked)});
  return db;
}

TEST(Aggregation, SdcCountsEverySilentCorruptionInSummaryAndReport) {
  const ResultStore store(tallied_db());
  const nlohmann::json summary = campaign_summary(store);
  const nlohmann::json report = campaign_report(store);

  const nlohmann::json& a = summary["by_class"]["a"];
  EXPECT_EQ(a["n"], 5);
  EXPECT_EQ(a["sdc"], 3);  // sdc + sdc_critical
  EXPECT_EQ(a["sdc_critical"], 2);
  EXPECT_EQ(a["masked"], 1);
  EXPECT_EQ(a["hang"], 1);
  const auto [critical_low, critical_high] = wilson_interval(2, 5, 0.95);
  EXPECT_DOUBLE_EQ(a["rate"].get<double>(), 0.4);
  EXPECT_DOUBLE_EQ(a["ci_low"].get<double>(), critical_low);
  EXPECT_DOUBLE_EQ(a["ci_high"].get<double>(), critical_high);

  const nlohmann::json& row = report["tables"]["class"][0];
  ASSERT_EQ(row["key"], "a");
  for (const char* key : {"n", "sdc", "sdc_critical", "masked", "hang"}) EXPECT_EQ(row[key], a[key]) << key;
  const auto [sdc_low, sdc_high] = wilson_interval(3, 5, 0.95);
  EXPECT_DOUBLE_EQ(row["sdc_rate"].get<double>(), 0.6);
  EXPECT_DOUBLE_EQ(row["sdc_ci_low"].get<double>(), sdc_low);
  EXPECT_DOUBLE_EQ(row["sdc_ci_high"].get<double>(), sdc_high);
  EXPECT_DOUBLE_EQ(row["critical_rate"].get<double>(), a["rate"].get<double>());
  EXPECT_DOUBLE_EQ(row["critical_ci_low"].get<double>(), critical_low);
  EXPECT_DOUBLE_EQ(row["critical_ci_high"].get<double>(), critical_high);
}

TEST(Aggregation, ByOutcomeIsThePartitionOfStoredValues) {
  const ResultStore store(tallied_db());
  const nlohmann::json summary = campaign_summary(store);
  const nlohmann::json& by = summary["by_outcome"];
  EXPECT_EQ(by["masked"], 2);
  EXPECT_EQ(by["sdc"], 1);  // the stored value: top-1 kept
  EXPECT_EQ(by["sdc_critical"], 2);
  EXPECT_EQ(by["hang"], 1);
  EXPECT_EQ(by["detected"], 0);
  EXPECT_EQ(by["corrected"], 0);
  uint64_t total = 0;
  for (const auto& [outcome, n] : by.items()) total += n.get<uint64_t>();
  EXPECT_EQ(total, summary["injections"].get<uint64_t>());
}

TEST(Aggregation, TablesGroupByLayerBitAndPe) {
  const CampaignTally t = tally(ResultStore(tallied_db()).injections());
  EXPECT_EQ(t.all.n(), 6u);
  EXPECT_EQ(t.all.sdc(), 3u);
  EXPECT_EQ(t.by_layer.at("conv1").n(), 6u);
  EXPECT_EQ(t.by_bit.at(3).critical(), 2u);
  EXPECT_EQ(t.by_pe.at("0,0").n() + t.by_pe.at("0,1").n(), 6u);
}

// The campaign's summary counts its rows as it stores them; it must be the summary read back from the database,
// for the rows of an earlier run (resumed) and this run's together.
TEST(Aggregation, TallyKeptWhileStoringIsTheSummaryReadBack) {
  const std::string db = test::temp_dir() + "/tally.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  ResultStore store(db);
  store.create_campaign(CampaignRow{"tally", "/dev/null", "text", 1, 400, "{}", "8x8_d8_a32", "net.onnx"});
  std::mt19937_64 rng(3);
  const std::vector<std::string> classes = {"pe_psum", "ctrl", "wbuf", "a\tb"};
  std::vector<InjectionRecord> earlier;
  std::string lines;
  for (uint64_t id = 0; id < 400; ++id) {
    InjectionRecord r = injection(id, classes[rng() % classes.size()], kAllOutcomes[rng() % kAllOutcomes.size()]);
    if (id < 150) earlier.push_back(r);
    else lines += to_line(r) + "\n";
  }
  store.insert(earlier);
  OutcomeTally tally(store.outcomes_by_class());
  for (size_t begin = 0, end; (end = lines.find('\n', begin)) != std::string::npos; begin = end + 1)
    tally.add(std::string_view(lines).substr(begin, end - begin));
  store.insert_lines(lines);
  EXPECT_EQ(campaign_summary(store.campaign(), store.path(), tally.counts()), campaign_summary(store));
  EXPECT_EQ(campaign_summary(store)["injections"], 400);
  EXPECT_THROW(tally.add("not a result"), std::runtime_error);
}

}  // namespace
}  // namespace flipsim
