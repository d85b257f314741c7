// LeNet-size convolutions through the SystemC harness (the path campaigns use).
#include <systemc>

#include <cstdlib>
#include <iostream>
#include <string>

#include "bench_layer.h"
#include "sim/rtl_engine.h"

int sc_main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: bench_layer_sc ACCEL.yaml REPEATS\n";
    return 2;
  }
  const flipsim::AccelConfig config = flipsim::load_accel_config(argv[1]);
  flipsim::RtlEngine rtl(config, {});
  const auto result = flipsim::bench::measure("systemc", config, std::stoi(argv[2]),
                                              [&](const flipsim::FeatureMap& in, const flipsim::ConvLayer& layer) {
                                                flipsim::LayerRun run;
                                                flipsim::FeatureMap out = rtl.run(in, layer, &run);
                                                return std::make_pair(out, run.cycles);
                                              });
  std::cout << result.dump() << "\n";
  return result["mismatches"] == 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}
