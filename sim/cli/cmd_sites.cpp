// flipsim sites: the fault-site map of an accelerator configuration.
#include <fmt/core.h>

#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "testbench/site_map.h"
#include "testbench/site_pattern.h"
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
  c->add_option("--filter", o->filter, "site pattern selecting bits by name, e.g. 'array.pe[0][*].psum_q'")
      ->capture_default_str();
  c->add_flag("--list", o->list, "list every matching register and buffer with what of it is selected");
  c->footer(
      "Site patterns (the language is described in docs/campaigns.md, section \"Site patterns\"):\n"
      "  names are printed by --list; the bit is the last index: array.pe[3][5].psum_q[17], wbuf[0x1a2][46]\n"
      "  an index is a number (decimal or 0x hex), an inclusive range lo:hi, or *; brackets are never globs\n"
      "  * outside brackets matches any run of characters, dots and indices included\n"
      "  left-out trailing indices select every value (a register name alone selects all its bits)\n"
      "Examples:\n"
      "  'array.pe[0][*].psum_q'         every bit of the partial sums of PE row 0\n"
      "  'array.pe[0:3][*].weight_q[7]'  bit 7 of the weights in rows 0 to 3\n"
      "  'wbuf[0x1a0:0x1af]'             every bit of 16 weight-buffer words\n"
      "  'ctrl.bias_q'                   every lane of the controller's bias registers\n");
  c->add_flag("--json", o->json, "print one JSON object");
  c->callback([o] {
    const AccelConfig config = o->accel.empty() ? AccelConfig{} : load_accel_config(o->accel);
    const SiteMap map(config);
    const SiteSelection selection = select_sites(map, o->filter);
    std::map<std::string, uint64_t> bits_by_class;
    nlohmann::json registers = nlohmann::json::array();
    for (size_t g = 0; g < map.ff_groups().size(); ++g) {
      const FfGroup& group = map.ff_groups()[g];
      const uint64_t bits = selection.group_count(int(g));
      if (bits == 0) continue;
      bits_by_class[site_class_name(group.cls)] += bits;
      registers.push_back({{"name", group.name},
                           {"selected", selection.describe_group(int(g))},
                           {"class", site_class_name(group.cls)},
                           {"bits", bits},
                           {"width", group.width},
                           {"first_site", map.group_first_site(int(g))},
                           {"row", group.row},
                           {"col", group.col},
                           {"rtl", group.rtl_path}});
    }
    for (int b = 0; b < kNumBuffers; ++b) {
      const Buffer buffer = Buffer(b);
      const uint64_t bits = selection.buffer_count(buffer);
      if (bits == 0) continue;
      bits_by_class[buffer_name(buffer)] += bits;
      registers.push_back({{"name", buffer_name(buffer)},
                           {"selected", selection.describe_buffer(buffer)},
                           {"class", buffer_name(buffer)},
                           {"bits", bits},
                           {"first_site", map.buffer_first_site(buffer)},
                           {"words", map.depth(buffer)},
                           {"lanes", map.lanes(buffer)},
                           {"lane_bits", map.lane_bits(buffer)}});
    }
    const uint64_t total = selection.bits();
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
        fmt::print("  {:<40} {:<11} {:>7} bits  sites {}..\n", r["selected"].get<std::string>(),
                   r["class"].get<std::string>(), r["bits"].get<uint64_t>(), r["first_site"].get<uint64_t>());
  });
}

}  // namespace flipsim::cli
