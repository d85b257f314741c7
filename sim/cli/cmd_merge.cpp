// flipsim merge: one database from the shards of a campaign (flipsim campaign --shard I/N, e.g. a Slurm job
// array), identical in its rows to a one-process run.
#include <fmt/core.h>

#include <memory>
#include <string>
#include <vector>

#include "sim/campaign/merge.h"
#include "sim/cli/commands.h"

namespace flipsim::cli {

void register_merge(CLI::App& app, int& exit_code) {
  struct Options {
    std::string out;
    std::vector<std::string> shards;
  };
  auto o = std::make_shared<Options>();
  CLI::App* c = app.add_subcommand(
      "merge", "join the databases of every shard of a campaign (flipsim campaign --shard I/N) into one");
  c->add_option("OUT", o->out, "the merged database (a new file)")->required();
  c->add_option("SHARD", o->shards, "the shards' databases, all N of them, in any order")->required();
  c->callback([o, &exit_code] {
    const MergeSummary s = merge_shards(o->out, o->shards);
    fmt::print("merged {} shards of campaign '{}': {} injections in {}\n", o->shards.size(), s.campaign.name,
               s.injections, o->out);
    exit_code = 0;
  });
}

}  // namespace flipsim::cli
