#include "sim/campaign/campaign_runner.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include "model/common/config_error.h"
#include "model/common/progress.h"
#include "sim/campaign/injection_runner.h"
#include "model/common/stats.h"
#include "sim/campaign/worker_pool.h"

namespace flipsim {

namespace {

nlohmann::json to_json(const InjectionRecord& r) {
  return {{"id", r.id},
          {"image", r.image},
          {"label", r.label},
          {"fault_model", r.fault_model},
          {"site_id", r.site_id},
          {"site", r.site},
          {"class", r.site_class},
          {"row", r.row},
          {"col", r.col},
          {"bit", r.bit},
          {"mask", r.mask},
          {"flips", r.flips},
          {"layer", r.layer},
          {"pass", r.pass},
          {"cycle", r.cycle},
          {"outcome", r.outcome},
          {"masked_at", r.masked_at},
          {"first_diff", r.first_diff},
          {"max_logit_dev", r.max_logit_dev},
          {"golden_top1", r.golden_top1},
          {"faulty_top1", r.faulty_top1},
          {"cycles_simulated", r.cycles_simulated}};
}

InjectionRecord from_json(const nlohmann::json& j) {
  InjectionRecord r;
  r.id = j.at("id");
  r.image = j.at("image");
  r.label = j.at("label");
  r.fault_model = j.at("fault_model");
  r.site_id = j.at("site_id");
  r.site = j.at("site");
  r.site_class = j.at("class");
  r.row = j.at("row");
  r.col = j.at("col");
  r.bit = j.at("bit");
  r.mask = j.at("mask");
  r.flips = j.at("flips");
  r.layer = j.at("layer");
  r.pass = j.at("pass");
  r.cycle = j.at("cycle");
  r.outcome = j.at("outcome");
  r.masked_at = j.at("masked_at");
  r.first_diff = j.at("first_diff");
  r.max_logit_dev = j.at("max_logit_dev");
  r.golden_top1 = j.at("golden_top1");
  r.faulty_top1 = j.at("faulty_top1");
  r.cycles_simulated = j.at("cycles_simulated");
  return r;
}

}  // namespace

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
        for (size_t i = size_t(w); i < remaining.size(); i += size_t(workers)) {
          const Injection inj = draw_injection(remaining[i], config, *setup->space, *setup->map, timeline);
          write_line(to_json(runner.run(inj)).dump());
        }
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
    batch.push_back(from_json(j));
    progress.add();
  })) {
    if (batch.size() >= 64 || (!batch.empty() && std::chrono::steady_clock::now() - last_flush >
                                                     std::chrono::milliseconds(500)))
      flush();
  }
  flush();
  for (std::string& e : pool.reap()) errors.push_back(std::move(e));
  if (!errors.empty()) throw std::runtime_error("campaign worker failed: " + errors.front());

  nlohmann::json summary = summarize(store);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  summary["seconds"] = seconds;
  summary["run_injections"] = remaining.size();
  summary["injections_per_second"] = seconds > 0 ? double(remaining.size()) / seconds : 0.0;
  summary["workers"] = workers;
  return summary;
}

nlohmann::json summarize(const ResultStore& store) {
  const CampaignRow row = store.campaign();
  const std::vector<InjectionRecord> records = store.injections();
  double confidence = 0.95;
  nlohmann::json by_outcome = nlohmann::json::object();
  for (const char* o : {"masked", "sdc", "sdc_critical", "detected", "corrected", "hang"}) by_outcome[o] = 0;
  std::map<std::string, std::map<std::string, uint64_t>> by_class;
  for (const InjectionRecord& r : records) {
    by_outcome[r.outcome] = by_outcome[r.outcome].get<uint64_t>() + 1;
    auto& c = by_class[r.site_class];
    ++c["n"];
    ++c[r.outcome];
  }
  nlohmann::json classes = nlohmann::json::object();
  for (auto& [name, counts] : by_class) {
    const auto [lo, hi] = wilson_interval(counts["sdc_critical"], counts["n"], confidence);
    classes[name] = {{"n", counts["n"]},
                     {"sdc_critical", counts["sdc_critical"]},
                     {"sdc", counts["sdc"]},
                     {"masked", counts["masked"]},
                     {"hang", counts["hang"]},
                     {"rate", counts["n"] ? double(counts["sdc_critical"]) / double(counts["n"]) : 0.0},
                     {"ci_low", lo},
                     {"ci_high", hi}};
  }
  return {{"campaign", row.name},
          {"db", store.path()},
          {"accelerator", row.accelerator},
          {"injections", records.size()},
          {"planned", row.total},
          {"by_outcome", by_outcome},
          {"by_class", classes},
          {"confidence", confidence}};
}

}  // namespace flipsim
