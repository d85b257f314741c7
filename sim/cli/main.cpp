// The flipsim command-line tool (sc_main, started through SystemC).
#include <systemc>

#include <malloc.h>

#include <cstdlib>
#include <iostream>

#include "model/common/config_error.h"
#include "sim/cli/commands.h"

int sc_main(int argc, char** argv) {
  CLI::App app{"flipsim: what soft errors do to neural networks on a systolic-array accelerator"};
  app.require_subcommand(1);
  int exit_code = 0;
  flipsim::cli::register_all(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const flipsim::ConfigError& e) {
    std::cerr << "flipsim: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "flipsim: error: " << e.what() << "\n";
    return 1;
  }
  return exit_code;
}

// Our own main instead of libsystemc's: the SystemC banner is printed before sc_main runs, and users do not
// want it in every command's output.
int main(int argc, char** argv) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  // Freed memory stays with the process instead of going back to the system at once: flipsim keeps allocating
  // and freeing blocks of hundreds of kB (feature maps, moment vectors, DUT states), and every page the system
  // hands out anew costs a page fault, which on a virtual machine costs more than the work on it (BENCHMARKS.md:
  // `flipsim model` on LeNet-5 1.1 -> 0.8 s).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  return sc_core::sc_elab_and_sim(argc, argv);
}
