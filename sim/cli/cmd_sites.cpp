// flipsim sites: the fault-site map of an accelerator configuration.
#include <fmt/core.h>
#include <fnmatch.h>

#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "testbench/site_map.h"
#include "sim/cli/commands.h"

namespace flipsim::cli {

void register_sites(CLI::App& app, int&) {
  struct Options {
    std::string accel;
    std::string filter = "*";
    bool json = false;
    bool list = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* c = app.add_subcommand("sites", "list fault sites (flip-flop and SRAM bits) by class and name");
  c->add_option("--accel", o->accel, "accelerator YAML (default: the built-in 8x8 int8)")->check(CLI::ExistingFile);
  c->add_option("--filter", o->filter, "glob on register / buffer names, e.g. 'array.pe[0][*].psum_q'")
      ->capture_default_str();
  c->add_flag("--list", o->list, "list every matching register (one line per register, not per bit)");
  c->add_flag("--json", o->json, "print one JSON object");
  c->callback([o] {
    const AccelConfig config = o->accel.empty() ? AccelConfig{} : load_accel_config(o->accel);
    const SiteMap map(config);
    std::map<std::string, uint64_t> bits_by_class;
    nlohmann::json registers = nlohmann::json::array();
    uint64_t total = 0;
    for (size_t g = 0; g < map.ff_groups().size(); ++g) {
      const FfGroup& group = map.ff_groups()[g];
      if (fnmatch(o->filter.c_str(), group.name.c_str(), 0) != 0) continue;
      bits_by_class[site_class_name(group.cls)] += uint64_t(group.width);
      total += uint64_t(group.width);
      registers.push_back({{"name", group.name},
                           {"class", site_class_name(group.cls)},
                           {"bits", group.width},
                           {"first_site", map.group_first_site(int(g))},
                           {"row", group.row},
                           {"col", group.col},
                           {"rtl", group.rtl_path}});
    }
    for (int b = 0; b < kNumBuffers; ++b) {
      const Buffer buffer = Buffer(b);
      if (fnmatch(o->filter.c_str(), buffer_name(buffer), 0) != 0) continue;
      const uint64_t bits = uint64_t(map.depth(buffer)) * map.lanes(buffer) * map.lane_bits(buffer);
      bits_by_class[buffer_name(buffer)] += bits;
      total += bits;
      registers.push_back({{"name", buffer_name(buffer)},
                           {"class", buffer_name(buffer)},
                           {"bits", bits},
                           {"first_site", map.buffer_first_site(buffer)},
                           {"words", map.depth(buffer)},
                           {"lanes", map.lanes(buffer)},
                           {"lane_bits", map.lane_bits(buffer)}});
    }
    if (o->json) {
      std::cout << nlohmann::json{{"accelerator", config.variant()},
                                  {"filter", o->filter},
                                  {"total_bits", total},
                                  {"flip_flop_bits", map.ff_bits()},
                                  {"sram_bits", map.sram_bits()},
                                  {"classes", bits_by_class},
                                  {"registers", registers}}
                       .dump(2)
                << "\n";
      return;
    }
    fmt::print("{} ({}): {} flip-flop bits, {} SRAM bits; matching '{}': {} bits\n", config.name, config.variant(),
               map.ff_bits(), map.sram_bits(), o->filter, total);
    for (const auto& [cls, bits] : bits_by_class) fmt::print("  {:<12} {:>9} bits\n", cls, bits);
    if (o->list)
      for (const auto& r : registers)
        fmt::print("  {:<40} {:<11} {:>7} bits  sites {}..\n", r["name"].get<std::string>(),
                   r["class"].get<std::string>(), r["bits"].get<uint64_t>(), r["first_site"].get<uint64_t>());
  });
}

}  // namespace flipsim::cli
