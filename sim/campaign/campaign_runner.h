// Runs a campaign: sizes it, spreads the injections over worker processes (one SystemC kernel each) and, under
// mpirun, over MPI ranks; stores every result as it arrives, and resumes from the database after a crash.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "sim/campaign/injection_runner.h"
#include "sim/campaign/mpi_session.h"

namespace flipsim {

struct CampaignRunOptions {
  std::string db;        ///< database file (created, or resumed when it holds this campaign)
  int workers = 0;       ///< local worker processes; 0: the config's, else every core (one per MPI rank)
  bool progress = true;  ///< progress line on stderr when it is a terminal
  CampaignEngine engine = CampaignEngine::kHybrid;
  /// Run only the injections with id % shards == shard (a Slurm job array's task); `flipsim merge` joins them.
  int shard = 0;
  int shards = 1;
};

/// Rank 0 (or the only process): runs what is left of the campaign, ranks 1.. helping when `mpi` has them, and
/// returns its summary (campaign_summary() in report.h) with this run's "seconds", "run_injections",
/// "injections_per_second", "workers", "ranks" and "shard".
nlohmann::json run_campaign(const std::string& config_path, const CampaignRunOptions& options,
                            const MpiSession& mpi);

/// Ranks 1..: runs the injections rank 0 assigns and sends their results to it. Returns false when rank 0
/// refused the campaign (it reports why) or this rank failed (it sent rank 0 the error).
bool serve_campaign(const std::string& config_path, const MpiSession& mpi);

}  // namespace flipsim
