// The flipsim command-line tool. SystemC owns main(); it calls sc_main.
#include <systemc>

#include <iostream>

#include "accel/config_error.h"
#include "cli/commands.h"

int sc_main(int argc, char** argv) {
  CLI::App app{"flipsim: what soft errors do to neural networks on a systolic-array accelerator"};
  app.require_subcommand(1);
  int exit_code = 0;
  flipsim::cli::register_gemm(app, exit_code);
  flipsim::cli::register_infer(app, exit_code);
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
