// Placeholder registration while the network code is not built.
#include "cli/commands.h"

namespace flipsim::cli {
void register_infer(CLI::App&, int&) {}
}  // namespace flipsim::cli
