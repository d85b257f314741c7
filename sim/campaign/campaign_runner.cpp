#include "sim/campaign/campaign_runner.h"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <thread>

#include "model/common/config_error.h"
#include "model/common/cpu_time.h"
#include "model/common/progress.h"
#include "model/common/stats.h"
#include "sim/campaign/injection_runner.h"
#include "sim/campaign/report.h"
#include "sim/campaign/result_store.h"
#include "sim/campaign/worker_pool.h"

namespace flipsim {

namespace {

/// MPI tags: a worker line (an injection record's to_line, or the JSON object {"error": ...}, as on the local
/// pipes), then "done".
constexpr int kTagLine = 1;
constexpr int kTagDone = 2;

/// The cores this process may run on (what `nproc` prints).
int usable_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return int(std::max(1u, std::thread::hardware_concurrency()));
}

/// A campaign ready to run on rank 0: its input checked, its database owned by this process and holding the
/// campaign row, and the ids of this shard not yet stored.
struct PreparedCampaign {
  PreparedCampaign(const std::string& config_path, const CampaignRunOptions& options)
      : setup(load_campaign_setup(config_path)), store(options.db), claim(store) {
    const CampaignConfig& config = setup->config;
    if (store.has_campaign()) {
      const CampaignRow held = store.campaign();
      if (held.config_text != config.text)
        throw ConfigError(options.db + ": holds campaign '" + held.name +
                          "' with a different configuration; use another --db to run " + config_path);
      if (held.shard != options.shard || held.shards != options.shards)
        throw ConfigError(options.db + ": holds shard " + std::to_string(held.shard) + "/" +
                          std::to_string(held.shards) + " of campaign '" + held.name + "', not shard " +
                          std::to_string(options.shard) + "/" + std::to_string(options.shards) +
                          "; give every shard its own --db (the file was not changed)");
    } else {
      const std::string timeline_json = probe_timeline(*setup);
      const Timeline timeline = Timeline::from_json(timeline_json);
      const uint64_t total =
          config.injections ? config.injections
                            : leveugle_sample_size(fault_population(config, *setup->space, timeline), config.margin,
                                                   config.confidence);
      store.create_campaign(CampaignRow{config.name, std::filesystem::absolute(config_path).string(), config.text,
                                        config.seed, total, timeline_json, config.network.accel.variant(),
                                        config.network.model, options.shard, options.shards});
    }
    row = store.campaign();
    const std::vector<uint64_t> done = store.done_ids();
    if (!done.empty()) stored = OutcomeTally(store.outcomes_by_class());
    const std::set<uint64_t> done_set(done.begin(), done.end());
    for (uint64_t id = uint64_t(row.shard); id < row.total; id += uint64_t(row.shards)) {
      ++planned;
      if (!done_set.count(id)) remaining.push_back(id);
    }
  }

  std::unique_ptr<CampaignSetup> setup;
  ResultStore store;
  StoreClaim claim;
  CampaignRow row;
  uint64_t planned = 0;  ///< injections of this shard
  std::vector<uint64_t> remaining;
  OutcomeTally stored;  ///< the stored rows' outcomes by class
};

/// One harness runs its share of the remaining ids, each result a line: slots [first, last) of `slots` equal
/// contiguous shares of the injections in image order. Without `pieces_taken`, this one runs the whole range.
/// With it, the last - first workers that share it take the range in pieces, one at a time, from a counter they
/// share: first the injections that simulate RTL, an image at a time (the hybrid engine records an image's golden
/// checkpoints once per worker that meets the image, about the cost of a fault-free RTL inference, so a worker
/// should meet few of them), or, with fewer than two such images per worker, twice as many equal pieces of them
/// as workers; then the injections the software models carry whole, in pieces small enough that the workers
/// finish together (how long an image's RTL share takes varies with the faults; a worker that drew cheap ones
/// takes more).
void run_share(const CampaignSetup& setup, const Timeline& timeline, const std::vector<uint64_t>& remaining,
               size_t first, size_t last, size_t slots, CampaignEngine engine, SharedCounter* pieces_taken,
               const WorkerPool::WriteLine& write_line) {
  InjectionRunner runner(setup, watchdog_cycles(timeline, setup.config.watchdog_factor));
  // Its pieces come in image order, so it never returns to an image it has left: one image's checkpoints at a
  // time, the next recorded into their memory (fresh memory is what a second worker paid most for).
  runner.keep_trajectories(1);
  // The plan is a small entry per injection, each injection drawn again when it runs (a draw is about a tenth of
  // a microsecond): holding them all drawn, a hundred bytes each, and sorting and splitting them took a worker
  // 110-144 ms at 100,000 injections, this 30-35 ms (BENCHMARKS.md).
  struct Planned {
    uint64_t id;
    int image;
    bool rtl;  ///< needs the RTL (decided only where workers share the range in pieces)
  };
  const auto draw = [&](uint64_t id) { return draw_injection(id, setup.config, *setup.space, *setup.map, timeline); };
  std::vector<Planned> plan;
  plan.reserve(remaining.size());
  // Where these workers take every injection, each is drawn once; where they take a share (beside other MPI
  // ranks), only the share's routes are decided, on a second draw.
  const bool whole = first == 0 && last == slots;
  for (uint64_t id : remaining) {
    const Injection injection = draw(id);
    plan.push_back({id, injection.image, pieces_taken && whole && runner.needs_rtl(injection, engine)});
  }
  std::stable_sort(plan.begin(), plan.end(), [](const Planned& a, const Planned& b) { return a.image < b.image; });
  const size_t begin = plan.size() * first / slots, end = plan.size() * last / slots;
  if (pieces_taken && !whole)
    for (size_t i = begin; i < end; ++i) plan[i].rtl = runner.needs_rtl(draw(plan[i].id), engine);
  const auto run = [&](size_t i) { write_line(to_line(runner.run(draw(plan[i].id), engine))); };
  if (!pieces_taken) {
    for (size_t i = begin; i < end; ++i) run(i);
    return;
  }
  const size_t sharing = last - first;
  const size_t rtl_end = size_t(std::stable_partition(plan.begin() + std::ptrdiff_t(begin),
                                                      plan.begin() + std::ptrdiff_t(end),
                                                      [](const Planned& p) { return p.rtl; }) -
                                plan.begin());
  std::vector<size_t> starts;  // where each piece begins, then the range's end
  for (size_t i = begin; i < rtl_end; ++i)
    if (i == begin || plan[i].image != plan[i - 1].image) starts.push_back(i);
  if (starts.size() < 2 * sharing) {
    starts.clear();
    for (size_t k = 0; k < 2 * sharing; ++k) starts.push_back(begin + (rtl_end - begin) * k / (2 * sharing));
  }
  const size_t software_piece = std::max<size_t>(1, (end - rtl_end) / (32 * sharing));
  for (size_t i = rtl_end; i < end; i += software_piece) starts.push_back(i);
  starts.push_back(end);
  for (uint64_t k = pieces_taken->take(); k + 1 < starts.size(); k = pieces_taken->take())
    for (size_t i = starts[k]; i < starts[k + 1]; ++i) run(i);
}

/// Rank 0's message to the other ranks: the plan, or why there is none.
nlohmann::json plan_message(const PreparedCampaign& p, size_t slots, size_t local, CampaignEngine engine) {
  return {{"config", p.setup->config.text}, {"timeline", p.row.timeline_json}, {"remaining", p.remaining},
          {"slots", slots}, {"local", local}, {"hybrid", engine == CampaignEngine::kHybrid}};
}

}  // namespace

nlohmann::json run_campaign(const std::string& config_path, const CampaignRunOptions& options,
                            const MpiSession& mpi) {
  const int ranks = mpi.size();
  // Everything that can be wrong with the input is found before the database is touched; the other ranks
  // wait for the verdict.
  std::unique_ptr<PreparedCampaign> prepared;
  try {
    prepared = std::make_unique<PreparedCampaign>(config_path, options);
  } catch (const std::exception& e) {
    mpi.broadcast(nlohmann::json{{"error", e.what()}}.dump());
    throw;
  }
  PreparedCampaign& p = *prepared;
  const CampaignConfig& config = p.setup->config;
  const Timeline timeline = Timeline::from_json(p.row.timeline_json);
  const auto t0 = std::chrono::steady_clock::now();
  const double parent_cpu0 = cpu_seconds(RUSAGE_SELF), workers_cpu0 = cpu_seconds(RUSAGE_CHILDREN);

  // Under MPI every rank is one harness: rank 0's runs in a child beside the database work.
  const int wanted = options.workers ? options.workers : ranks > 1 ? 1 : config.workers ? config.workers
                                                                                       : usable_cores();
  const size_t local = std::min<size_t>(size_t(std::max(1, wanted)), std::max<size_t>(1, p.remaining.size()));
  const size_t slots = local + size_t(ranks - 1);
  // Built only for other ranks: with 100,000 ids it took 17 ms before the workers could start.
  if (ranks > 1) mpi.broadcast(plan_message(p, slots, local, options.engine).dump());

  SharedCounter pieces_taken;  // before the pool: it must outlive the workers
  WorkerPool pool;
  ProgressLine progress("injections", p.planned, p.planned - p.remaining.size(), options.progress);
  std::string batch;  // worker lines, each ending in a newline
  size_t batch_rows = 0;
  OutcomeTally tally = p.stored;  // the summary's counts, kept as rows are stored (scanning them took 20 ms)
  std::vector<std::string> errors;
  auto last_flush = std::chrono::steady_clock::now();
  auto flush = [&] {
    p.store.insert_lines(batch);
    batch.clear();
    batch_rows = 0;
    last_flush = std::chrono::steady_clock::now();
  };
  auto on_line = [&](std::string_view line) {
    if (!line.empty() && line.front() == '{') {
      errors.push_back(nlohmann::json::parse(line).at("error"));
      return;
    }
    tally.add(line);
    batch.append(line);
    batch += '\n';
    ++batch_rows;
    progress.add();
  };
  try {
    if (!p.remaining.empty())
      for (size_t w = 0; w < local; ++w)
        pool.spawn([&](const WorkerPool::WriteLine& write_line) {
          run_share(*p.setup, timeline, p.remaining, 0, local, slots, options.engine, &pieces_taken, write_line);
        });
    int ranks_working = ranks - 1;
    bool local_working = true;
    while (local_working || ranks_working > 0) {
      if (local_working) local_working = pool.pump(ranks_working > 0 ? 20 : 200, on_line);
      else std::this_thread::sleep_for(std::chrono::milliseconds(5));  // MPI has no timed wait for a message
      while (ranks_working > 0) {
        const std::optional<MpiSession::Message> m = mpi.poll();
        if (!m) break;
        if (m->tag == kTagDone) --ranks_working;
        else on_line(m->payload);
      }
      if (batch_rows >= 4096 || (batch_rows > 0 && std::chrono::steady_clock::now() - last_flush >
                                                       std::chrono::milliseconds(500)))
        flush();
    }
    flush();
  } catch (const std::exception& e) {
    if (ranks == 1) throw;
    // The other ranks are working from the plan; waiting for them in MPI_Finalize would never end.
    std::fprintf(stderr, "flipsim: error: %s\n", e.what());
    mpi.abort(1);
  }
  for (std::string& e : pool.reap()) errors.push_back(std::move(e));
  if (!errors.empty()) throw std::runtime_error("campaign worker failed: " + errors.front());

  nlohmann::json summary = campaign_summary(p.row, p.store.path(), tally.counts());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  summary["seconds"] = seconds;
  summary["run_injections"] = p.remaining.size();
  summary["injections_per_second"] = seconds > 0 ? double(p.remaining.size()) / seconds : 0.0;
  // Where the time went on this machine: the parent stores every row while the local workers run injections, and
  // on as many cores as workers the two compete (BENCHMARKS.md, worker scaling). Other ranks' time is their own.
  summary["parent_cpu_seconds"] = cpu_seconds(RUSAGE_SELF) - parent_cpu0;
  summary["workers_cpu_seconds"] = cpu_seconds(RUSAGE_CHILDREN) - workers_cpu0;
  summary["workers"] = slots;
  summary["ranks"] = ranks;
  summary["shard"] = std::to_string(p.row.shard) + "/" + std::to_string(p.row.shards);
  return summary;
}

bool serve_campaign(const std::string& config_path, const MpiSession& mpi) {
  // Loaded while rank 0 checks the database and probes the timeline.
  std::unique_ptr<CampaignSetup> setup;
  std::string error;
  try {
    setup = load_campaign_setup(config_path);
  } catch (const std::exception& e) {
    error = e.what();
  }
  const auto plan = nlohmann::json::parse(mpi.broadcast(""));
  if (plan.contains("error")) return false;
  if (error.empty() && setup->config.text != plan["config"].get<std::string>())
    error = config_path + " differs from rank 0's copy of it";
  auto send_line = [&](const std::string& line) { mpi.send(0, kTagLine, line); };
  if (error.empty()) {
    try {
      const size_t slot = plan["local"].get<size_t>() + size_t(mpi.rank() - 1);
      run_share(*setup, Timeline::from_json(plan["timeline"].get<std::string>()),
                plan["remaining"].get<std::vector<uint64_t>>(), slot, slot + 1, plan["slots"].get<size_t>(),
                plan["hybrid"].get<bool>() ? CampaignEngine::kHybrid : CampaignEngine::kFull, nullptr, send_line);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  if (!error.empty()) send_line(nlohmann::json{{"error", "rank " + std::to_string(mpi.rank()) + ": " + error}}.dump());
  mpi.send(0, kTagDone, "");
  return error.empty();
}

}  // namespace flipsim
