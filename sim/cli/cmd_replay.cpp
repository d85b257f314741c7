// flipsim replay: hands over to flipsim-replay (built beside this binary on the public-register RTL, which is
// several times slower and so not linked into the campaign engine).
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <stdexcept>

#include "sim/cli/commands.h"

namespace flipsim::cli {

void register_replay(CLI::App& app, int&) {
  struct Options {
    std::string db, trace;
    uint64_t id = 0;
  };
  auto o = std::make_shared<Options>();
  CLI::App* c = app.add_subcommand("replay", "re-run one injection with a waveform; print where it diverges");
  c->add_option("DB", o->db, "campaign database")->required()->check(CLI::ExistingFile);
  c->add_option("INJECTION_ID", o->id, "injection id")->required();
  c->add_option("--trace", o->trace, "FST waveform of the faulty run");
  c->callback([o] {
    const auto self = std::filesystem::read_symlink("/proc/self/exe");
    const std::string helper = (self.parent_path() / "flipsim-replay").string();
    const std::string id = std::to_string(o->id);
    std::vector<const char*> argv = {helper.c_str(), o->db.c_str(), id.c_str()};
    if (!o->trace.empty()) {
      argv.push_back("--trace");
      argv.push_back(o->trace.c_str());
    }
    argv.push_back(nullptr);
    execv(helper.c_str(), const_cast<char* const*>(argv.data()));
    throw std::runtime_error("cannot run " + helper + " (build the flipsim-replay target)");
  });
}

}  // namespace flipsim::cli
