// flipsim replay end to end: a campaign written by the CLI, one of its injections re-run on the public-register
// RTL and every register compared cycle by cycle with the fault-free run from the same starting state.
#include <gtest/gtest.h>

#include <filesystem>

#include "campaign_test_util.h"
#include "sim/campaign/replay.h"
#include "sim/campaign/result_store.h"
#include "tests/cli_run.h"

namespace flipsim {
namespace {

TEST(Replay, PartialSumFlipDivergesAtItsCycleInItsRegisterThenSpreads) {
  const std::string config = test::write_campaign(
      "replay", "  images: [0]\n  targets: {classes: [pe_psum]}\n  fault: {model: flip}\n  injections: 24\n"
                "  seed: 3\n  workers: 1\n");
  const std::string db = test::temp_dir() + "/replay.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  const test::CliRun run = test::run_flipsim("campaign " + config + " --db " + db);
  ASSERT_EQ(run.status, 0) << run.output;

  // The first injection whose flip reached the network's output.
  InjectionRecord reached;
  for (const InjectionRecord& r : ResultStore(db).injections())
    if (r.first_diff != "" && reached.site.empty()) reached = r;
  ASSERT_FALSE(reached.site.empty()) << "no partial-sum flip of 24 reached an output";

  const ReplayReport report = replay_injection(db, reached.id, "");
  EXPECT_EQ(report.replayed.outcome, reached.outcome);
  EXPECT_EQ(report.replayed.first_diff, reached.first_diff);
  EXPECT_EQ(report.replayed.faulty_top1, reached.faulty_top1);

  ASSERT_TRUE(report.fault_driven);
  ASSERT_TRUE(report.first.found);
  EXPECT_EQ(report.first.cycle, report.fault_cycle);
  EXPECT_EQ(report.first.signals, std::vector<std::string>{reached.site});
  ASSERT_TRUE(report.spread.found);
  EXPECT_GT(report.spread.cycle, report.first.cycle);
  EXPECT_FALSE(report.spread.signals.empty());
  EXPECT_GT(report.cycles_differing, 0u);
  EXPECT_LE(report.cycles_differing, report.run_cycles);
  EXPECT_GT(report.run_cycles, reached.cycle);
}

}  // namespace
}  // namespace flipsim
