#include "sim/campaign/campaign_runner.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>

#include "model/common/config_error.h"
#include "model/common/progress.h"
#include "model/common/stats.h"
#include "sim/campaign/injection_runner.h"
#include "sim/campaign/report.h"
#include "sim/campaign/worker_pool.h"

namespace flipsim {

nlohmann::json run_campaign(const std::string& config_path, const CampaignRunOptions& options) {
  // Everything that can be wrong with the input is found before the database is touched.
  const std::unique_ptr<CampaignSetup> setup = load_campaign_setup(config_path);
  const CampaignConfig& config = setup->config;
  ResultStore store(options.db);
  if (store.has_campaign() && store.campaign().config_text != config.text)
    throw ConfigError(options.db + ": holds campaign '" + store.campaign().name +
                      "' with a different configuration; use another --db to run " + config_path);
  const auto t0 = std::chrono::steady_clock::now();

  if (!store.has_campaign()) {
    // The fault-free timeline comes from the RTL itself, in a child: this process never starts SystemC.
    std::string timeline_json, error;
    WorkerPool probe;
    probe.spawn([&](const WorkerPool::WriteLine& write_line) {
      InjectionRunner runner(*setup, 0);
      write_line(runner.probe().to_json());
    });
    while (probe.pump(1000, [&](const std::string& line) {
      const auto j = nlohmann::json::parse(line);
      if (j.contains("error")) error = j["error"];
      else timeline_json = line;
    })) {
    }
    probe.reap();
    if (!error.empty() || timeline_json.empty())
      throw std::runtime_error("fault-free probe run failed: " + (error.empty() ? "no result" : error));
    const Timeline timeline = Timeline::from_json(timeline_json);
    const uint64_t total = config.injections ? config.injections
                                             : leveugle_sample_size(fault_population(config, *setup->space, timeline),
                                                                    config.margin, config.confidence);
    store.create_campaign(CampaignRow{config.name, std::filesystem::absolute(config_path).string(), config.text,
                                      config.seed, total, timeline_json, config.network.accel.variant(),
                                      config.network.model});
  }

  const CampaignRow row = store.campaign();
  const Timeline timeline = Timeline::from_json(row.timeline_json);
  const std::vector<uint64_t> done = store.done_ids();
  const std::set<uint64_t> done_set(done.begin(), done.end());
  std::vector<uint64_t> remaining;
  for (uint64_t id = 0; id < row.total; ++id)
    if (!done_set.count(id)) remaining.push_back(id);

  const int workers = int(std::min<uint64_t>(std::max(1, options.workers ? options.workers : config.workers),
                                             std::max<uint64_t>(1, remaining.size())));
  WorkerPool pool;
  if (!remaining.empty()) {
    for (int w = 0; w < workers; ++w) {
      pool.spawn([&, w](const WorkerPool::WriteLine& write_line) {
        InjectionRunner runner(*setup, watchdog_cycles(timeline, config.watchdog_factor));
        std::vector<Injection> mine;
        for (size_t i = size_t(w); i < remaining.size(); i += size_t(workers))
          mine.push_back(draw_injection(remaining[i], config, *setup->space, *setup->map, timeline));
        // Image by image, so the hybrid engine records each image's golden checkpoints once.
        std::stable_sort(mine.begin(), mine.end(),
                         [](const Injection& a, const Injection& b) { return a.image < b.image; });
        for (const Injection& inj : mine) write_line(to_json(runner.run(inj, options.engine)).dump());
      });
    }
  }

  ProgressLine progress("injections", row.total, done.size(), options.progress);
  std::vector<InjectionRecord> batch;
  std::vector<std::string> errors;
  auto last_flush = std::chrono::steady_clock::now();
  auto flush = [&] {
    store.insert(batch);
    batch.clear();
    last_flush = std::chrono::steady_clock::now();
  };
  while (pool.pump(200, [&](const std::string& line) {
    const auto j = nlohmann::json::parse(line);
    if (j.contains("error")) {
      errors.push_back(j["error"]);
      return;
    }
    batch.push_back(injection_from_json(j));
    progress.add();
  })) {
    if (batch.size() >= 64 || (!batch.empty() && std::chrono::steady_clock::now() - last_flush >
                                                     std::chrono::milliseconds(500)))
      flush();
  }
  flush();
  for (std::string& e : pool.reap()) errors.push_back(std::move(e));
  if (!errors.empty()) throw std::runtime_error("campaign worker failed: " + errors.front());

  nlohmann::json summary = campaign_summary(store);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  summary["seconds"] = seconds;
  summary["run_injections"] = remaining.size();
  summary["injections_per_second"] = seconds > 0 ? double(remaining.size()) / seconds : 0.0;
  summary["workers"] = workers;
  return summary;
}

}  // namespace flipsim
