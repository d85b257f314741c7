// flipsim-replay: `flipsim replay` runs this binary, built on the RTL variants whose registers are public.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <systemc>

#include "model/common/config_error.h"
#include "sim/campaign/replay.h"

namespace {

void print_divergence(const char* what, const flipsim::Divergence& d) {
  if (!d.found) {
    fmt::print("  {}: none\n", what);
    return;
  }
  fmt::print("  {} at cycle {}:\n", what, d.cycle);
  size_t shown = 0;
  for (const std::string& s : d.signals) {
    if (++shown > 12) {
      fmt::print("    ... and {} more registers\n", d.signals.size() - 12);
      break;
    }
    fmt::print("    {}\n", s);
  }
}

}  // namespace

int sc_main(int argc, char** argv) {
  CLI::App app{"flipsim replay: re-run one injection with a waveform and find where it diverges"};
  std::string db, trace;
  uint64_t id = 0;
  app.add_option("DB", db, "campaign database")->required()->check(CLI::ExistingFile);
  app.add_option("INJECTION_ID", id, "injection id (the id column)")->required();
  app.add_option("--trace", trace, "write the faulty run's waveform (FST, open with gtkwave)");
  try {
    app.parse(argc, argv);
    const flipsim::ReplayReport r = flipsim::replay_injection(db, id, trace);
    const auto& s = r.stored;
    fmt::print("injection {}: {} on {} (image {}, pass {} '{}', busy cycle {})\n", s.id, s.fault_model, s.site,
               s.image, s.pass, s.layer, s.cycle);
    const auto at = [](flipsim::MaskingStage m) -> std::string {
      return m == flipsim::MaskingStage::kNone ? "" : std::string(" at ") + to_string(m);
    };
    fmt::print("  stored outcome: {}{}   replayed: {}{}\n", to_string(s.outcome), at(s.masked_at),
               to_string(r.replayed.outcome), at(r.replayed.masked_at));
    if (r.fault_driven) fmt::print("  fault on the fault port; in the registers from cycle {}\n", r.fault_cycle);
    print_divergence("first divergence from the fault-free run", r.first);
    print_divergence("first spread beyond the injected register", r.spread);
    fmt::print("  cycles with any register differing: {} of {}\n", r.cycles_differing, r.run_cycles);
    if (!trace.empty()) fmt::print("  waveform of the faulty run: {}\n", trace);
    // Replay runs the full-RTL engine; the stored row may come from the hybrid one, which simulates fewer cycles.
    const bool same = s.outcome == r.replayed.outcome && s.masked_at == r.replayed.masked_at &&
                      s.first_diff == r.replayed.first_diff && s.faulty_top1 == r.replayed.faulty_top1 &&
                      s.max_logit_dev == r.replayed.max_logit_dev;
    if (!same) {
      fmt::print(stderr, "flipsim replay: the replayed injection does not reproduce the stored result\n");
      return 1;
    }
    return 0;
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "flipsim replay: error: " << e.what() << "\n";
    return 2;
  }
}

int main(int argc, char** argv) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}
