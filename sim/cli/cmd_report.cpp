// flipsim report: rates with confidence intervals from a campaign database; CSV and PNG plots.
#include <fmt/core.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "model/common/config_error.h"
#include "sim/campaign/report.h"
#include "sim/cli/commands.h"

namespace flipsim::cli {

namespace {

void print_table(const std::string& title, const nlohmann::json& rows) {
  fmt::print("\n{}\n  {:<22} {:>6} {:>8} {:>21} {:>9} {:>21}\n", title, "", "n", "SDC", "[95% Wilson]", "critical",
             "[95% Wilson]");
  for (const auto& r : rows)
    fmt::print("  {:<22} {:>6} {:>8.4f} [{:>8.4f}, {:>8.4f}] {:>9.4f} [{:>8.4f}, {:>8.4f}]\n",
               r["key"].get<std::string>(), r["n"].get<uint64_t>(), r["sdc_rate"].get<double>(),
               r["sdc_ci_low"].get<double>(), r["sdc_ci_high"].get<double>(), r["critical_rate"].get<double>(),
               r["critical_ci_low"].get<double>(), r["critical_ci_high"].get<double>());
}

}  // namespace

void register_report(CLI::App& app, int&) {
  struct Options {
    std::string db, csv, plots;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* c = app.add_subcommand("report", "rates with confidence intervals by class, layer, bit and PE");
  c->add_option("DB", o->db, "campaign database")->required()->check(CLI::ExistingFile);
  c->add_option("--csv", o->csv, "write every injection as CSV");
  c->add_option("--plots", o->plots, "write PNG plots (SDC by class, PE heat map, SDC by bit) into this folder");
  c->add_flag("--json", o->json, "print the report as one JSON object");
  c->callback([o] {
    const ResultStore store(o->db);
    const nlohmann::json report = campaign_report(store);
    if (!o->csv.empty()) write_injections_csv(store, o->csv);
    if (!o->plots.empty()) {
      std::filesystem::create_directories(o->plots);
      const std::string data = (std::filesystem::path(o->plots) / "report.json").string();
      std::ofstream(data) << report.dump(1);
      const std::string cmd = std::string("/usr/bin/python3 ") + FLIPSIM_SOURCE_DIR + "/scripts/plot_report.py '" +
                              data + "' '" + o->plots + "'";
      if (std::system(cmd.c_str()) != 0) throw std::runtime_error("plotting failed: " + cmd);
    }
    if (o->json) {
      std::cout << report.dump(2) << "\n";
      return;
    }
    fmt::print("campaign '{}' on {}: {} of {} injections\n", report["campaign"].get<std::string>(),
               report["accelerator"].get<std::string>(), report["injections"].get<uint64_t>(),
               report["planned"].get<uint64_t>());
    print_table("by site class", report["tables"]["class"]);
    print_table("by layer (where the fault started)", report["tables"]["layer"]);
    print_table("by bit position", report["tables"]["bit"]);
    print_table("by PE (row,col)", report["tables"]["pe"]);
    if (!o->csv.empty()) fmt::print("\ninjections written to {}\n", o->csv);
    if (!o->plots.empty()) fmt::print("plots written to {}\n", o->plots);
  });
}

}  // namespace flipsim::cli
