#include "sim/campaign/report.h"

#include <algorithm>
#include <fstream>
#include <utility>

#include "model/common/config_error.h"
#include "model/common/stats.h"

namespace flipsim {

void OutcomeCounts::add(Outcome o, uint64_t times) {
  n_ += times;
  by_outcome_[size_t(o)] += times;
}

CampaignTally tally(const std::vector<InjectionRecord>& records) {
  CampaignTally t;
  for (const InjectionRecord& r : records) {
    t.all.add(r.outcome);
    t.by_class[r.site_class].add(r.outcome);
    t.by_layer[r.layer].add(r.outcome);
    if (r.bit >= 0) t.by_bit[r.bit].add(r.outcome);
    if (r.row >= 0 && r.col >= 0) t.by_pe[std::to_string(r.row) + "," + std::to_string(r.col)].add(r.outcome);
  }
  return t;
}

namespace {

/// k of n with its Wilson interval at `confidence`.
Proportion rate_of(uint64_t k, uint64_t n, double confidence) {
  const auto [low, high] = wilson_interval(k, n, confidence);
  return {n ? double(k) / double(n) : 0.0, low, high};
}

nlohmann::json report_row(const std::string& key, const OutcomeCounts& c, double confidence) {
  const Proportion sdc = rate_of(c.sdc(), c.n(), confidence);
  const Proportion critical = rate_of(c.critical(), c.n(), confidence);
  return {{"key", key},
          {"n", c.n()},
          {"sdc", c.sdc()},
          {"sdc_critical", c.critical()},
          {"masked", c.count(Outcome::kMasked)},
          {"hang", c.count(Outcome::kHang)},
          {"sdc_rate", sdc.value},
          {"sdc_ci_low", sdc.low},
          {"sdc_ci_high", sdc.high},
          {"critical_rate", critical.value},
          {"critical_ci_low", critical.low},
          {"critical_ci_high", critical.high}};
}

}  // namespace

nlohmann::json campaign_report(const ResultStore& store, double confidence) {
  const std::vector<InjectionRecord> records = store.injections();
  const CampaignTally t = tally(records);
  nlohmann::json tables;
  for (const auto& [name, map] : {std::pair{"class", &t.by_class}, std::pair{"layer", &t.by_layer},
                                  std::pair{"pe", &t.by_pe}}) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& [key, c] : *map) rows.push_back(report_row(key, c, confidence));
    tables[name] = rows;
  }
  nlohmann::json bits = nlohmann::json::array();
  for (const auto& [bit, c] : t.by_bit) bits.push_back(report_row(std::to_string(bit), c, confidence));
  tables["bit"] = bits;
  const CampaignRow campaign = store.campaign();
  return {{"campaign", campaign.name},
          {"accelerator", campaign.accelerator},
          {"injections", records.size()},
          {"planned", campaign.total},
          {"confidence", confidence},
          {"tables", tables}};
}

nlohmann::json campaign_summary(const ResultStore& store, double confidence) {
  return campaign_summary(store.campaign(), store.path(), store.outcomes_by_class(), confidence);
}

nlohmann::json campaign_summary(const CampaignRow& row, const std::string& db,
                                const std::vector<ResultStore::ClassOutcomes>& counts, double confidence) {
  CampaignTally t;
  for (const ResultStore::ClassOutcomes& c : counts) {
    t.all.add(c.outcome, c.n);
    t.by_class[c.site_class].add(c.outcome, c.n);
  }
  nlohmann::json by_outcome = nlohmann::json::object();
  for (Outcome o : kAllOutcomes) by_outcome[to_string(o)] = t.all.count(o);
  nlohmann::json classes = nlohmann::json::object();
  // The summary's class rows are the report's, under the names the campaign command has always printed.
  static constexpr std::pair<const char*, const char*> kSummaryKeys[] = {
      {"n", "n"}, {"sdc_critical", "sdc_critical"}, {"sdc", "sdc"}, {"masked", "masked"}, {"hang", "hang"},
      {"critical_rate", "rate"}, {"critical_ci_low", "ci_low"}, {"critical_ci_high", "ci_high"}};
  for (const auto& [name, c] : t.by_class) {
    const nlohmann::json r = report_row(name, c, confidence);
    nlohmann::json& out = classes[name];
    for (const auto& [from, to] : kSummaryKeys) out[to] = r[from];
  }
  return {{"campaign", row.name},
          {"db", db},
          {"accelerator", row.accelerator},
          {"injections", t.all.n()},
          {"planned", row.total},
          {"by_outcome", by_outcome},
          {"by_class", classes},
          {"confidence", confidence}};
}

OutcomeTally::OutcomeTally(const std::vector<ResultStore::ClassOutcomes>& counts) {
  for (const ResultStore::ClassOutcomes& c : counts) add(c.site_class, c.outcome, c.n);
}

void OutcomeTally::add(std::string_view line) {
  const auto column = [](const char* name) {
    size_t at = 0, found = 0;
    for_each_injection_field([&](const char* c, auto) {
      if (std::string_view(c) == name) found = at;
      ++at;
    });
    return found;
  };
  static const size_t kClass = column("class"), kOutcome = column("outcome");
  const auto fields = split_injection_line(line);
  Outcome outcome = Outcome::kMasked;
  std::string unescaped_class;
  const bool plain = fields[kClass].find('\\') == std::string_view::npos;
  if (!parse_injection_field(fields[kOutcome], outcome) ||
      (!plain && !parse_injection_field(fields[kClass], unescaped_class)))
    throw std::runtime_error("injection record line: field 'outcome' or 'class' is not of its type: '" +
                             std::string(line) + "'");
  add(plain ? fields[kClass] : std::string_view(unescaped_class), outcome, 1);
}

void OutcomeTally::add(std::string_view site_class, Outcome outcome, uint64_t n) {
  auto it = std::find_if(by_class_.begin(), by_class_.end(), [&](const auto& c) { return c.first == site_class; });
  if (it == by_class_.end()) it = by_class_.insert(it, {std::string(site_class), {}});
  it->second[size_t(outcome)] += n;
}

std::vector<ResultStore::ClassOutcomes> OutcomeTally::counts() const {
  std::vector<ResultStore::ClassOutcomes> out;
  for (const auto& [site_class, by_outcome] : by_class_)
    for (Outcome o : kAllOutcomes)
      if (by_outcome[size_t(o)] > 0) out.push_back({site_class, o, by_outcome[size_t(o)]});
  return out;
}

void write_injections_csv(const ResultStore& store, const std::string& path) {
  std::ofstream out(path);
  if (!out) throw ConfigError(path + ": cannot write");
  out << injection_columns(",") << '\n';
  for (const InjectionRecord& r : store.injections()) out << injection_csv_line(r) << '\n';
}

}  // namespace flipsim
