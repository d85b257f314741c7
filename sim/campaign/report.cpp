#include "sim/campaign/report.h"

#include <fstream>
#include <map>

#include "model/common/config_error.h"
#include "model/common/stats.h"

namespace flipsim {

namespace {

struct Counts {
  uint64_t n = 0, sdc = 0, critical = 0, masked = 0, hang = 0;
  void add(const InjectionRecord& r) {
    ++n;
    sdc += r.outcome == "sdc" || r.outcome == "sdc_critical";
    critical += r.outcome == "sdc_critical";
    masked += r.outcome == "masked";
    hang += r.outcome == "hang";
  }
};

nlohmann::json row(const std::string& key, const Counts& c, double confidence) {
  const auto [slo, shi] = wilson_interval(c.sdc, c.n, confidence);
  const auto [clo, chi] = wilson_interval(c.critical, c.n, confidence);
  return {{"key", key},
          {"n", c.n},
          {"sdc", c.sdc},
          {"sdc_critical", c.critical},
          {"masked", c.masked},
          {"hang", c.hang},
          {"sdc_rate", c.n ? double(c.sdc) / double(c.n) : 0.0},
          {"sdc_ci_low", slo},
          {"sdc_ci_high", shi},
          {"critical_rate", c.n ? double(c.critical) / double(c.n) : 0.0},
          {"critical_ci_low", clo},
          {"critical_ci_high", chi}};
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

}  // namespace

nlohmann::json campaign_report(const ResultStore& store, double confidence) {
  const auto records = store.injections();
  std::map<std::string, Counts> by_class, by_layer, by_pe;
  std::map<int, Counts> by_bit;
  for (const InjectionRecord& r : records) {
    by_class[r.site_class].add(r);
    by_layer[r.layer].add(r);
    if (r.bit >= 0) by_bit[r.bit].add(r);
    if (r.row >= 0 && r.col >= 0) by_pe[std::to_string(r.row) + "," + std::to_string(r.col)].add(r);
  }
  nlohmann::json tables;
  for (const auto& [name, map] : {std::pair{"class", &by_class}, std::pair{"layer", &by_layer}, std::pair{"pe", &by_pe}}) {
    nlohmann::json t = nlohmann::json::array();
    for (const auto& [key, c] : *map) t.push_back(row(key, c, confidence));
    tables[name] = t;
  }
  nlohmann::json bits = nlohmann::json::array();
  for (const auto& [bit, c] : by_bit) bits.push_back(row(std::to_string(bit), c, confidence));
  tables["bit"] = bits;
  const CampaignRow campaign = store.campaign();
  return {{"campaign", campaign.name},
          {"accelerator", campaign.accelerator},
          {"injections", records.size()},
          {"planned", campaign.total},
          {"confidence", confidence},
          {"tables", tables}};
}

void write_injections_csv(const ResultStore& store, const std::string& path) {
  std::ofstream out(path);
  if (!out) throw ConfigError(path + ": cannot write");
  out << "id,image,label,fault_model,site_id,site,class,row,col,bit,mask,flips,layer,pass,cycle,outcome,masked_at,"
         "first_diff,max_logit_dev,golden_top1,faulty_top1,cycles_simulated\n";
  for (const InjectionRecord& r : store.injections())
    out << r.id << ',' << r.image << ',' << r.label << ',' << r.fault_model << ',' << r.site_id << ','
        << csv_field(r.site) << ',' << r.site_class << ',' << r.row << ',' << r.col << ',' << r.bit << ',' << r.mask
        << ',' << r.flips << ',' << csv_field(r.layer) << ',' << r.pass << ',' << r.cycle << ',' << r.outcome << ','
        << r.masked_at << ',' << csv_field(r.first_diff) << ',' << r.max_logit_dev << ',' << r.golden_top1 << ','
        << r.faulty_top1 << ',' << r.cycles_simulated << '\n';
}

}  // namespace flipsim
