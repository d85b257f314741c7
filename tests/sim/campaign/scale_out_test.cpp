// Sharing and splitting databases without the RTL: one owner at a time (a dead owner's claim does not count),
// and `merge_shards` refusing anything but every complete shard of one campaign, without writing a file.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "campaign_test_util.h"
#include "model/common/config_error.h"
#include "sim/campaign/merge.h"
#include "sim/campaign/result_store.h"

namespace flipsim {
namespace {

using test::fresh_db;

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

CampaignRow campaign_row(int shard, int shards, uint64_t seed = 1) {
  return CampaignRow{"unit", "/x/unit.yaml", "campaign: {}", seed, 10, "{}", "8x8", "lenet5.onnx", shard, shards};
}

/// A shard database holding `ids` (records are the initial values but for the id).
std::string shard_db(const std::string& name, const CampaignRow& row, const std::vector<uint64_t>& ids) {
  const std::string db = fresh_db(name);
  ResultStore store(db);
  store.create_campaign(row);
  std::vector<InjectionRecord> records;
  for (uint64_t id : ids) {
    records.emplace_back();
    records.back().id = id;
    records.back().layer = "layer of " + std::to_string(id);
  }
  store.insert(records);
  return db;
}

TEST(StoreClaim, ASecondClaimIsRefusedWithTheHoldersPidUntilReleased) {
  const std::string db = fresh_db("claim");
  ResultStore first(db), second(db);
  {
    StoreClaim claim(first);
    ASSERT_TRUE(second.live_owner());
    EXPECT_EQ(second.live_owner()->pid, getpid());
    const std::string error = error_of([&] { second.claim_ownership(); });
    EXPECT_NE(error.find(db + ": in use by another flipsim campaign, pid " + std::to_string(getpid())),
              std::string::npos)
        << error;
  }
  EXPECT_FALSE(second.live_owner());
  EXPECT_NO_THROW(StoreClaim{second});
}

TEST(StoreClaim, ADeadOwnersClaimIsReplaced) {
  const std::string db = fresh_db("stale");
  const pid_t child = fork();
  if (child == 0) {
    // Claims and dies without releasing, as a SIGKILLed run does.
    ResultStore(db).claim_ownership();
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  ResultStore store(db);
  EXPECT_FALSE(store.live_owner());
  EXPECT_NO_THROW(store.claim_ownership());
  EXPECT_EQ(store.live_owner()->pid, getpid());
}

TEST(Merge, CompleteShardsGiveOneDatabaseWithEveryRow) {
  const std::string a = shard_db("m_ok_0", campaign_row(0, 2), {0, 2, 4, 6, 8});
  const std::string b = shard_db("m_ok_1", campaign_row(1, 2), {1, 3, 5, 7, 9});
  const std::string out = fresh_db("m_ok_out");
  const MergeSummary s = merge_shards(out, {b, a});
  EXPECT_EQ(s.injections, 10u);
  ResultStore merged(out);
  EXPECT_EQ(merged.campaign().shards, 1);
  EXPECT_EQ(merged.campaign().config_text, "campaign: {}");
  const std::vector<InjectionRecord> records = merged.injections();
  ASSERT_EQ(records.size(), 10u);
  for (uint64_t id = 0; id < 10; ++id) EXPECT_EQ(records[id].layer, "layer of " + std::to_string(id));
  EXPECT_FALSE(std::filesystem::exists(out + ".partial"));
}

TEST(Merge, AnIncompleteShardIsNamedWithItsMissingCount) {
  const std::string a = shard_db("m_inc_0", campaign_row(0, 2), {0, 2, 4, 6, 8});
  const std::string b = shard_db("m_inc_1", campaign_row(1, 2), {1, 5});
  const std::string out = fresh_db("m_inc_out");
  const std::string error = error_of([&] { merge_shards(out, {a, b}); });
  EXPECT_NE(error.find(b + " (shard 1/2): 3 of 5 injections missing"), std::string::npos) << error;
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(Merge, RefusesWhatIsNotEveryShardOfOneCampaign) {
  const std::string a = shard_db("m_bad_0", campaign_row(0, 2), {0, 2, 4, 6, 8});
  const std::string out = fresh_db("m_bad_out");
  const struct {
    std::string db;
    std::string expected;
  } cases[] = {
      {shard_db("m_bad_seed", campaign_row(1, 2, 7), {1, 3, 5, 7, 9}), "hold different campaigns"},
      {shard_db("m_bad_split", campaign_row(1, 3), {1, 4, 7}), "shards of different splits"},
      {shard_db("m_bad_dup", campaign_row(0, 2), {0, 2, 4, 6, 8}), "are both shard 0/2"},
      {shard_db("m_bad_foreign", campaign_row(1, 2), {1, 2, 3, 5, 7, 9}), "holds injection 2, which is not"},
  };
  for (const auto& c : cases) {
    const std::string error = error_of([&] { merge_shards(out, {a, c.db}); });
    EXPECT_NE(error.find(c.expected), std::string::npos) << error;
  }
  EXPECT_NE(error_of([&] { merge_shards(out, {a}); }).find("shard 1/2: no database given"), std::string::npos);
  EXPECT_NE(error_of([&] { merge_shards(a, {a}); }).find("already exists"), std::string::npos);
  EXPECT_NE(error_of([&] { merge_shards(out, {a, "/nonexistent.db"}); }).find("no such database"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_FALSE(std::filesystem::exists("/nonexistent.db"));
}

}  // namespace
}  // namespace flipsim
