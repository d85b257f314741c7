// Scale-out through the CLI: the rows of a one-worker run from 2 workers, 2 MPI ranks and 2 merged shards; a
// killed shard refused by merge until re-run; a database in use refused at once; bad --shard and merge input.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "campaign_cli_util.h"
#include "campaign_test_util.h"
#include "tests/cli_run.h"

namespace flipsim {
namespace {

/// `flipsim args` on `ranks` MPI ranks (as root too, and on fewer cores than ranks).
test::CliRun flipsim_mpi(int ranks, const std::string& args) {
  setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
  setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  return test::run_command(std::string(FLIPSIM_MPIEXEC) + " -np " + std::to_string(ranks) + " --oversubscribe " +
                           FLIPSIM_BINARY + " " + args);
}

const char* kSmall =
    "  images: 3\n  targets: {classes: [pe_psum, pe_weight, ctrl, ppu, array_edge]}\n"
    "  fault: {model: flip}\n  injections: 16\n  seed: 5\n";

/// Long enough (about 2 s on one worker) to be caught while running.
const char* kLonger =
    "  images: 3\n  targets: {classes: [pe_psum, ctrl]}\n  fault: {model: flip}\n  injections: 40\n  seed: 8\n";

TEST(ScaleOutCli, WorkersRanksAndMergedShardsGiveTheSameRows) {
  const std::string config = test::write_campaign("scale_det", kSmall);
  const std::string one = test::fresh_db("so_one"), two = test::fresh_db("so_two"), mpi = test::fresh_db("so_mpi");
  const std::string s0 = test::fresh_db("so_s0"), s1 = test::fresh_db("so_s1"), merged = test::fresh_db("so_merged");
  ASSERT_EQ(test::run_flipsim("campaign " + config + " --db " + one + " --workers 1 --json").status, 0);
  ASSERT_EQ(test::run_flipsim("campaign " + config + " --db " + two + " --workers 2 --json").status, 0);
  const test::CliRun m = flipsim_mpi(2, "campaign " + config + " --db " + mpi + " --json");
  ASSERT_EQ(m.status, 0) << m.output;
  EXPECT_NE(m.output.find("\"ranks\": 2"), std::string::npos) << m.output;
  EXPECT_NE(m.output.find("\"workers\": 2"), std::string::npos) << m.output;
  ASSERT_EQ(test::run_flipsim("campaign " + config + " --shard 0/2 --db " + s0 + " --workers 1 --json").status, 0);
  ASSERT_EQ(test::run_flipsim("campaign " + config + " --shard 1/2 --db " + s1 + " --workers 1 --json").status, 0);
  EXPECT_EQ(test::rows(s0).size(), 8u);
  const test::CliRun r = test::run_flipsim("merge " + merged + " " + s1 + " " + s0);
  ASSERT_EQ(r.status, 0) << r.output;
  const auto expected = test::rows(one);
  ASSERT_EQ(expected.size(), 16u);
  EXPECT_EQ(test::rows(two), expected);
  EXPECT_EQ(test::rows(mpi), expected);
  EXPECT_EQ(test::rows(merged), expected);
}

TEST(ScaleOutCli, AKilledShardIsRefusedByMergeUntilReRun) {
  const std::string config = test::write_campaign("scale_kill", kLonger);
  const std::string s0 = test::fresh_db("kill_s0"), s1 = test::fresh_db("kill_s1"), out = test::fresh_db("kill_out");
  ASSERT_EQ(test::run_flipsim("campaign " + config + " --shard 0/2 --db " + s0 + " --json").status, 0);
  // The full-RTL engine: slow enough to be killed half-way.
  const pid_t pid =
      test::start_flipsim({"campaign", config, "--shard", "1/2", "--db", s1, "--workers", "1", "--engine", "full"});
  const size_t stored = test::kill_when_stored(pid, s1, 1);
  ASSERT_GT(stored, 0u);
  ASSERT_LT(stored, 20u) << "the shard finished before it could be killed";

  test::CliRun r = test::run_flipsim("merge " + out + " " + s0 + " " + s1);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find(s1 + " (shard 1/2): " + std::to_string(20 - stored) + " of 20 injections missing"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));

  r = test::run_flipsim("campaign " + config + " --shard 1/2 --db " + s1 + " --json");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("\"run_injections\": " + std::to_string(20 - stored)), std::string::npos) << r.output;
  r = test::run_flipsim("merge " + out + " " + s0 + " " + s1);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(test::rows(out).size(), 40u);
}

TEST(ScaleOutCli, ASecondCampaignOnADatabaseInUseIsRefusedAtOnce) {
  const std::string config = test::write_campaign("scale_busy", kLonger);
  const std::string db = test::fresh_db("busy");
  // The full-RTL engine: still running when the second campaign starts.
  const pid_t pid = test::start_flipsim({"campaign", config, "--db", db, "--workers", "1", "--engine", "full"});
  test::wait_until_stored(db, 1);
  const auto before = test::rows(db);
  ASSERT_FALSE(before.empty());

  const test::CliRun second = test::run_flipsim("campaign " + config + " --db " + db + " --json");
  EXPECT_EQ(second.status, 2) << second.output;
  EXPECT_NE(second.output.find("in use by another flipsim campaign, pid " + std::to_string(pid)), std::string::npos)
      << second.output;
  EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), 0) << "the first campaign must still be running";

  // Killed, it leaves its claim behind: stale, so the next run resumes.
  test::kill_when_stored(pid, db, 0);
  const auto stored = test::rows(db);
  ASSERT_GE(stored.size(), before.size());
  EXPECT_TRUE(std::equal(before.begin(), before.end(), stored.begin())) << "stored rows changed";
  const test::CliRun resumed = test::run_flipsim("campaign " + config + " --db " + db + " --json");
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_EQ(test::rows(db).size(), 40u);
}

TEST(ScaleOutCli, BadShardsAndForeignMergesFailAndChangeNothing) {
  const std::string config = test::write_campaign("scale_bad", kSmall);
  const std::string s0 = test::fresh_db("bad_s0");
  ASSERT_EQ(test::run_flipsim("campaign " + config + " --shard 0/2 --db " + s0 + " --json").status, 0);
  const auto before = test::rows(s0);

  for (const char* shard : {"3/2", "x", "1/0", "-1/2", "2/2"}) {
    const test::CliRun r = test::run_flipsim("campaign " + config + " --shard " + shard + " --db " + s0);
    EXPECT_NE(r.status, 0) << shard;
    EXPECT_NE(r.output.find(std::string("--shard: '") + shard + "'"), std::string::npos) << r.output;
  }
  // Another shard (or the whole campaign) into this shard's database.
  test::CliRun r = test::run_flipsim("campaign " + config + " --shard 1/2 --db " + s0);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("holds shard 0/2"), std::string::npos) << r.output;
  r = test::run_flipsim("campaign " + config + " --db " + s0);
  EXPECT_NE(r.status, 0);

  // Shard 1 of another seed: another campaign.
  std::string other_body = kSmall;
  other_body.replace(other_body.find("seed: 5"), 7, "seed: 6");
  const std::string other = test::write_campaign("scale_other", other_body);
  const std::string o1 = test::fresh_db("bad_o1"), out = test::fresh_db("bad_out");
  ASSERT_EQ(test::run_flipsim("campaign " + other + " --shard 1/2 --db " + o1 + " --json").status, 0);
  r = test::run_flipsim("merge " + out + " " + s0 + " " + o1);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("hold different campaigns"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(o1), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_EQ(test::rows(s0), before);
}

}  // namespace
}  // namespace flipsim
