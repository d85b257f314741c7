#include "sim/campaign/merge.h"

#include <filesystem>
#include <map>
#include <memory>

#include "model/common/config_error.h"

namespace flipsim {

namespace {

std::string shard_name(const CampaignRow& row) {
  return "shard " + std::to_string(row.shard) + "/" + std::to_string(row.shards);
}

/// The first identity field in which two campaign rows differ, or "" when they are the same campaign.
std::string identity_difference(const CampaignRow& a, const CampaignRow& b) {
  if (a.config_text != b.config_text) return "configuration text";
  if (a.seed != b.seed) return "seed";
  if (a.total != b.total) return "planned total";
  if (a.timeline_json != b.timeline_json) return "fault-free timeline";
  if (a.accelerator != b.accelerator) return "accelerator";
  if (a.network != b.network) return "network";
  return "";
}

void remove_database(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path + suffix);
}

}  // namespace

MergeSummary merge_shards(const std::string& out, const std::vector<std::string>& shard_dbs) {
  const std::string unchanged = " (nothing was written)";
  if (shard_dbs.empty()) throw ConfigError("flipsim merge: no shard databases given");
  if (std::filesystem::exists(out))
    throw ConfigError(out + ": already exists; merge writes a new file, give another name" + unchanged);

  std::vector<std::unique_ptr<ResultStore>> stores;
  std::vector<CampaignRow> rows;
  std::map<int, std::string> by_index;
  for (const std::string& path : shard_dbs) {
    // ResultStore would create a missing file: check first.
    if (!std::filesystem::is_regular_file(path)) throw ConfigError(path + ": no such database" + unchanged);
    stores.push_back(std::make_unique<ResultStore>(path));
    const ResultStore& store = *stores.back();
    if (!store.has_campaign()) throw ConfigError(path + ": holds no campaign" + unchanged);
    if (const auto owner = store.live_owner())
      throw ConfigError(path + ": still being filled by flipsim campaign, " + owner->describe() +
                        "; merge once it has finished" + unchanged);
    rows.push_back(store.campaign());
    const CampaignRow& row = rows.back();
    const std::string difference = identity_difference(rows.front(), row);
    if (!difference.empty())
      throw ConfigError(path + " and " + shard_dbs.front() + " hold different campaigns ('" + row.name + "' and '" +
                        rows.front().name + "': the " + difference + " differs); merge shards of one campaign" +
                        unchanged);
    if (row.shards != rows.front().shards)
      throw ConfigError(path + " is " + shard_name(row) + " but " + shard_dbs.front() + " is " +
                        shard_name(rows.front()) + ": shards of different splits cannot be merged" + unchanged);
    const auto [it, fresh] = by_index.emplace(row.shard, path);
    if (!fresh)
      throw ConfigError(path + " and " + it->second + " are both " + shard_name(row) + unchanged);
  }

  const int shards = rows.front().shards;
  std::string problems;
  for (int i = 0; i < shards; ++i)
    if (!by_index.count(i))
      problems += "\n  shard " + std::to_string(i) + "/" + std::to_string(shards) + ": no database given";
  for (size_t k = 0; k < stores.size(); ++k) {
    const CampaignRow& row = rows[k];
    const uint64_t expected = row.total > uint64_t(row.shard) ? (row.total - uint64_t(row.shard) - 1) /
                                                                        uint64_t(row.shards) + 1
                                                              : 0;
    uint64_t present = 0;
    for (uint64_t id : stores[k]->done_ids()) {
      if (id >= row.total || id % uint64_t(row.shards) != uint64_t(row.shard))
        throw ConfigError(shard_dbs[k] + " (" + shard_name(row) + "): holds injection " + std::to_string(id) +
                          ", which is not this shard's" + unchanged);
      ++present;
    }
    if (present < expected)
      problems += "\n  " + shard_dbs[k] + " (" + shard_name(row) + "): " + std::to_string(expected - present) +
                  " of " + std::to_string(expected) +
                  " injections missing (the run stopped early); re-run its flipsim campaign command to complete it";
  }
  if (!problems.empty())
    throw ConfigError("cannot merge campaign '" + rows.front().name + "', incomplete:" + problems +
                      "\nNothing was written.");

  // Written under another name and renamed when complete: an interrupted merge never leaves a short `out`.
  const std::string partial = out + ".partial";
  remove_database(partial);
  MergeSummary summary;
  try {
    ResultStore merged(partial);
    summary.campaign = rows.front();
    summary.campaign.shard = 0;
    summary.campaign.shards = 1;
    merged.create_campaign(summary.campaign);
    for (const auto& store : stores) {
      const std::vector<InjectionRecord> records = store->injections();
      merged.insert(records);
      summary.injections += records.size();
    }
  } catch (...) {
    remove_database(partial);
    throw;
  }
  std::filesystem::rename(partial, out);
  return summary;
}

}  // namespace flipsim
