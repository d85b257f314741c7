// flipsim merge: joins the databases of a campaign's shards (flipsim campaign --shard I/N) into one database
// holding the same rows as a one-process run of that campaign, after checking that they are all there.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/campaign/result_store.h"

namespace flipsim {

struct MergeSummary {
  CampaignRow campaign;  ///< as stored in `out` (shard 0 of 1)
  uint64_t injections = 0;
};

/// Writes `out` (which must not exist) from `shard_dbs`: every shard of one N-way split of one campaign (same
/// config text, seed, total, timeline), each complete, none holding another's ids. Anything else is a
/// ConfigError naming the files and, for an incomplete shard, how many injections it misses; no file is
/// changed then. `out` appears only when complete (written beside it, then renamed).
MergeSummary merge_shards(const std::string& out, const std::vector<std::string>& shard_dbs);

}  // namespace flipsim
