// flipsim campaign end to end through the CLI: determinism across runs and worker counts, resume after
// SIGKILL, every fault model, and bad input that leaves an existing database intact.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "sim/campaign/result_store.h"
#include "campaign_cli_util.h"
#include "campaign_test_util.h"
#include "tests/cli_run.h"

namespace flipsim {
namespace {

using test::CliRun;

using test::fresh_db;
using test::rows;

CliRun flipsim(const std::string& args) { return test::run_flipsim(args); }

const char* kSmall =
    "  images: 3\n  targets: {classes: [pe_psum, pe_weight, ctrl, ppu, array_edge]}\n"
    "  fault: {model: flip}\n  injections: 16\n  seed: 5\n";

TEST(CampaignCli, SameSeedSameRowsWhateverTheWorkerCount) {
  const std::string config = test::write_campaign("determinism", kSmall);
  const std::string a = fresh_db("det_a"), b = fresh_db("det_b"), c = fresh_db("det_c");
  ASSERT_EQ(flipsim("campaign " + config + " --db " + a + " --workers 1 --json").status, 0);
  const CliRun two = flipsim("campaign " + config + " --db " + b + " --workers 2 --json");
  ASSERT_EQ(two.status, 0) << two.output;
  ASSERT_EQ(flipsim("campaign " + config + " --db " + c + " --workers 2 --json").status, 0);
  // The workers' CPU is counted once they are reaped (they ran RTL injections: well above nothing), the parent's
  // beside it.
  const nlohmann::json summary = nlohmann::json::parse(two.output.substr(two.output.find('{')));
  EXPECT_GT(summary.at("workers_cpu_seconds").get<double>(), 0.01) << two.output;
  EXPECT_GT(summary.at("parent_cpu_seconds").get<double>(), 0.0) << two.output;
  const auto ra = rows(a);
  ASSERT_EQ(ra.size(), 16u);
  EXPECT_EQ(ra, rows(b));
  EXPECT_EQ(ra, rows(c));
}

// On the default (hybrid) engine, with enough injections that it is killed half-way.
TEST(CampaignCli, ResumedAfterSigkillEqualsUninterrupted) {
  // Long enough (about 5 s on two cores) that the kill, after the parent's first half-second flush, comes before
  // the end: 400 flips of these classes take about 1.5 s on the hybrid engine.
  constexpr size_t kInjections = 1500;
  const std::string config = test::write_campaign(
      "resume", "  images: 3\n  targets: {classes: [pe_psum, ctrl, host]}\n  fault: {model: flip}\n  injections: " +
                    std::to_string(kInjections) + "\n  seed: 8\n  workers: 2\n");
  const std::string whole = fresh_db("whole"), killed = fresh_db("killed");
  ASSERT_EQ(flipsim("campaign " + config + " --db " + whole + " --json").status, 0);

  // Kill once some injections are stored but not all.
  const pid_t pid = test::start_flipsim({"campaign", config, "--db", killed, "--json"});
  test::kill_when_stored(pid, killed, 8);
  const size_t before = rows(killed).size();
  ASSERT_GT(before, 0u);
  ASSERT_LT(before, kInjections) << "the campaign finished before it could be killed";

  const CliRun resumed = flipsim("campaign " + config + " --db " + killed + " --json");
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("\"run_injections\": " + std::to_string(kInjections - before)), std::string::npos)
      << resumed.output;
  EXPECT_EQ(rows(killed), rows(whole));
}

TEST(CampaignCli, EveryFaultModelRuns) {
  const struct {
    const char* model;
    const char* extra;
  } models[] = {{"flip", "targets: {classes: [pe_psum]}"},
                {"multi_bit", "targets: {classes: [pe_act]}"},
                {"stuck_at_1", "targets: {classes: [pe_weight], bits: [6, 6]}"},
                {"stuck_at_0", "targets: {classes: [ctrl]}"},
                {"sram_flip", "targets: {classes: [abuf, wbuf, accbuf]}"},
                {"sram_ber", "targets: {classes: [wbuf]}"}};
  for (const auto& m : models) {
    const std::string name = std::string("model_") + m.model;
    const std::string fault = std::string("  fault: {model: ") + m.model +
                              (std::string(m.model) == "sram_ber" ? ", ber: 1.0e-4" : "") + "}\n";
    const std::string config =
        test::write_campaign(name, std::string("  images: 2\n  ") + m.extra + "\n" + fault + "  injections: 6\n");
    const std::string db = fresh_db(name);
    const CliRun r = flipsim("campaign " + config + " --db " + db + " --json --workers 2");
    ASSERT_EQ(r.status, 0) << m.model << ": " << r.output;
    const auto records = ResultStore(db).injections();
    ASSERT_EQ(records.size(), 6u) << m.model;
    for (const InjectionRecord& rec : records) {
      EXPECT_EQ(rec.fault_model, m.model);
      if (std::string(m.model) == "multi_bit") EXPECT_GE(__builtin_popcountll(rec.mask), 1);
      if (std::string(m.model) == "sram_ber") EXPECT_GT(rec.flips, 0);  // ~300k wbuf bits x 1e-4 per pass
    }
  }
  // A permanent stuck-at-1 on a weight bit corrupts the computation: not every injection can be masked.
  const auto stuck = ResultStore(test::temp_dir() + "/model_stuck_at_1.db").injections();
  int affected = 0;
  for (const auto& rec : stuck) affected += rec.outcome != Outcome::kMasked;
  EXPECT_GT(affected, 0);
}

TEST(CampaignCli, JsonSummaryHasTheDocumentedKeys) {
  const std::string config = test::write_campaign("summary", kSmall);
  const std::string db = fresh_db("summary");
  const CliRun r = flipsim("campaign " + config + " --db " + db + " --json");
  ASSERT_EQ(r.status, 0) << r.output;
  for (const char* key : {"\"injections\": 16", "\"by_outcome\"", "\"by_class\"", "\"db\"", "\"ci_low\"",
                          "\"ci_high\"", "\"sdc_critical\"", "\"masked\""})
    EXPECT_NE(r.output.find(key), std::string::npos) << key << "\n" << r.output;
}

TEST(CampaignCli, BadInputFailsLoudlyAndLeavesTheDatabaseIntact) {
  const std::string good = test::write_campaign("intact", kSmall);
  const std::string db = fresh_db("intact");
  ASSERT_EQ(flipsim("campaign " + good + " --db " + db + " --json").status, 0);
  const auto before = rows(db);

  const std::string bad = test::write_campaign("bad", "  images: 3\n  fault: {model: flip}\n  injections: many\n");
  CliRun r = flipsim("campaign " + bad + " --db " + db);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("campaign.injections"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(bad + ":6"), std::string::npos) << r.output;

  // A valid but different campaign must not be mixed into this database.
  const std::string other = test::write_campaign("other", std::string(kSmall) + "  workers: 2\n");
  r = flipsim("campaign " + other + " --db " + db);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("different configuration"), std::string::npos) << r.output;

  r = flipsim("campaign /nonexistent/campaign.yaml --db " + db);
  EXPECT_NE(r.status, 0);

  // A file that is not a database is refused, not overwritten.
  const std::string junk = test::temp_dir() + "/junk.db";
  std::ofstream(junk) << "this is not sqlite";
  r = flipsim("campaign " + good + " --db " + junk);
  EXPECT_NE(r.status, 0);
  std::ifstream in(junk);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "this is not sqlite");

  EXPECT_EQ(rows(db), before);
}

}  // namespace
}  // namespace flipsim

namespace flipsim {
namespace {

TEST(CampaignCli, ReportWritesTablesCsvAndPlots) {
  const std::string config = test::write_campaign("report", kSmall);
  const std::string db = fresh_db("report");
  ASSERT_EQ(flipsim("campaign " + config + " --db " + db + " --json").status, 0);
  const std::string dir = test::temp_dir() + "/report_plots", csv = test::temp_dir() + "/report.csv";
  std::filesystem::remove_all(dir);
  const CliRun r = flipsim("report " + db + " --csv " + csv + " --plots " + dir);
  ASSERT_EQ(r.status, 0) << r.output;
  for (const char* table : {"by site class", "by layer", "by bit position", "by PE"})
    EXPECT_NE(r.output.find(table), std::string::npos) << table;
  std::ifstream in(csv);
  int lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  EXPECT_EQ(lines, 17);  // header + 16 injections
  for (const char* png : {"sdc_by_class.png", "sdc_by_bit.png", "pe_heatmap.png"})
    EXPECT_GT(std::filesystem::file_size(dir + "/" + png), 1000u) << png;
  EXPECT_NE(flipsim("report /nonexistent.db").status, 0);
}

}  // namespace
}  // namespace flipsim
