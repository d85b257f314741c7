// The one reader of accelerator YAML for the build: CMake compiles this file with the C++ loader
// (model/accel/accel_config.cpp) at configure time and runs it on each configs/accel/*.yaml, so the Verilated
// variants, the lint tests and the C++ side all see the same validated values (defaults included) and a bad
// file fails the configure with the loader's own file:line: key message.
//
// Output, one "key value" per line: the variant name, every hardware parameter, and the fs_top parameter
// overrides as Verilator -G arguments (the only place that maps YAML keys to RTL parameter names).
#include <iostream>

#include "model/accel/accel_config.h"
#include "model/common/config_error.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " ACCEL.yaml\n";
    return 2;
  }
  try {
    const flipsim::AccelConfig c = flipsim::load_accel_config(argv[1]);
    const std::pair<const char*, int> params[] = {
        {"rows", c.rows},         {"cols", c.cols},           {"data_bits", c.data_bits},
        {"acc_bits", c.acc_bits}, {"abuf_depth", c.abuf_depth}, {"wbuf_depth", c.wbuf_depth},
        {"bbuf_depth", c.bbuf_depth}, {"accbuf_depth", c.accbuf_depth}, {"obuf_depth", c.obuf_depth},
        {"protectable", c.protectable ? 1 : 0}};
    std::cout << "variant " << c.variant() << "\n";
    for (const auto& [key, value] : params) std::cout << key << " " << value << "\n";
    std::cout << "verilator_args -GRows=" << c.rows << " -GCols=" << c.cols << " -GDataWidth=" << c.data_bits
              << " -GAccWidth=" << c.acc_bits << " -GAbufDepth=" << c.abuf_depth << " -GWbufDepth=" << c.wbuf_depth
              << " -GBbufDepth=" << c.bbuf_depth << " -GAccbufDepth=" << c.accbuf_depth
              << " -GObufDepth=" << c.obuf_depth << " -GProtectable=" << (c.protectable ? 1 : 0) << "\n";
  } catch (const flipsim::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
