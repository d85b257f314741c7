// The benchmark workload shared by both drivers: LeNet-5's two convolutions on random int8 data.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "model/accel/engine.h"
#include "model/accel/golden.h"
#include "testbench/random_layer.h"

namespace flipsim::bench {

struct Workload {
  std::vector<FeatureMap> inputs;
  std::vector<ConvLayer> layers;
};

inline Workload lenet_convs(int data_bits) {
  std::mt19937_64 rng(2024);
  Workload w;
  const ConvShape c1{28, 28, 1, 6, 5, 1, 2}, c2{14, 14, 6, 16, 5, 1, 0};
  for (const ConvShape& s : {c1, c2}) {
    w.layers.push_back(random_conv(s, data_bits, ValueMix::kUniform, rng));
    w.inputs.push_back(random_map(s.in_h, s.in_w, s.in_channels, data_bits, ValueMix::kUniform, rng));
  }
  return w;
}

/// Runs the workload `repeats` times with `run_layer(input, layer) -> {output, cycles}` and reports
/// simulated cycles per wall second, utilization and whether every output matched the golden model.
template <class RunLayer>
nlohmann::json measure(const char* driver, const AccelConfig& config, int repeats, RunLayer run_layer) {
  const Workload w = lenet_convs(config.data_bits);
  uint64_t cycles = 0, macs = 0, mismatches = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < repeats; ++r)
    for (size_t i = 0; i < w.layers.size(); ++i) {
      const auto [output, layer_cycles] = run_layer(w.inputs[i], w.layers[i]);
      cycles += layer_cycles;
      macs += w.layers[i].macs(w.inputs[i].height, w.inputs[i].width);
      if (!(output == golden_conv(w.inputs[i], w.layers[i], config.data_bits, config.acc_bits))) ++mismatches;
    }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {{"driver", driver},
          {"accelerator", config.variant()},
          {"repeats", repeats},
          {"accelerator_cycles", cycles},
          {"wall_seconds", seconds},
          {"cycles_per_second", double(cycles) / seconds},
          {"utilization", double(macs) / (double(config.rows) * config.cols * double(cycles))},
          {"mismatches", mismatches}};
}

}  // namespace flipsim::bench
