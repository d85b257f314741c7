// flipsim gemm / flipsim conv: a random layer on the RTL, checked against the golden model.
#include <fmt/core.h>

#include <array>
#include <chrono>
#include <memory>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>

#include "testbench/random_layer.h"
#include "sim/cli/commands.h"
#include "sim/rtl_engine.h"
#include "testbench/scoreboard.h"

namespace flipsim::cli {

namespace {

struct SelfCheckOptions {
  ConvShape shape;
  uint64_t seed = 1;
  std::string accel_file;
  std::string trace_file;
  bool extreme = false;
  bool json = false;
};

AccelConfig accel_from(const std::string& file) { return file.empty() ? AccelConfig{} : load_accel_config(file); }

int run_self_check(const std::string& what, const SelfCheckOptions& o) {
  const AccelConfig config = accel_from(o.accel_file);
  std::mt19937_64 rng(o.seed);
  const ValueMix mix = o.extreme ? ValueMix::kExtreme : ValueMix::kUniform;
  const ConvLayer layer = random_conv(o.shape, config.data_bits, mix, rng);
  const FeatureMap input = random_map(o.shape.in_h, o.shape.in_w, o.shape.in_channels, config.data_bits, mix, rng);

  RtlEngine rtl(config, RtlOptions{o.trace_file});
  const auto start = std::chrono::steady_clock::now();
  LayerRun run;
  const FeatureMap actual = rtl.run(input, layer, &run);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Scoreboard scoreboard;
  scoreboard.check_layer(what, input, layer, config, actual);

  const double utilization = run.cycles ? double(run.macs) / (double(config.rows) * config.cols * run.cycles) : 0.0;
  if (o.json) {
    nlohmann::json j = {{"mismatches", scoreboard.mismatches()},
                        {"cycles", run.cycles},
                        {"macs", run.macs},
                        {"utilization", utilization},
                        {"accelerator", config.variant()},
                        {"seed", o.seed},
                        {"wall_seconds", seconds},
                        {"cycles_per_second", seconds > 0 ? double(run.cycles) / seconds : 0.0}};
    std::cout << j.dump(2) << "\n";
  } else {
    fmt::print("{} on {} ({}): {} cycles, {} MACs, utilization {:.3f}, {} mismatches, {:.2f} s wall\n", what,
               config.name, config.variant(), run.cycles, run.macs, utilization, scoreboard.mismatches(), seconds);
    if (scoreboard.mismatches()) fmt::print("{}\n", scoreboard.summary());
  }
  return scoreboard.mismatches() ? 1 : 0;
}

void add_common(CLI::App* sub, SelfCheckOptions& o) {
  sub->add_option("--seed", o.seed, "random seed")->capture_default_str();
  sub->add_option("--accel", o.accel_file, "accelerator YAML (default: the built-in 8x8 int8)")
      ->check(CLI::ExistingFile);
  sub->add_option("--trace", o.trace_file, "write an FST waveform of the run");
  sub->add_flag("--extreme", o.extreme, "draw values from the ends of the range (saturation, -128 x -128)");
  sub->add_flag("--json", o.json, "print one JSON object");
}

}  // namespace

void register_gemm(CLI::App& app, int& exit_code) {
  auto gemm = std::make_shared<SelfCheckOptions>();
  // Options outlive this function: CLI11 writes them during parsing.
  auto dims = std::make_shared<std::array<int, 3>>(std::array<int, 3>{16, 16, 16});
  int& m = (*dims)[0];
  int& k = (*dims)[1];
  int& n = (*dims)[2];
  CLI::App* g = app.add_subcommand("gemm", "random int GEMM C[MxN] = A[MxK] B[KxN] on the RTL vs the golden model");
  g->add_option("--m", m, "rows of A and C")->check(CLI::Range(1, 1 << 20))->capture_default_str();
  g->add_option("--k", k, "columns of A, rows of B")->check(CLI::Range(1, 1 << 16))->capture_default_str();
  g->add_option("--n", n, "columns of B and C")->check(CLI::Range(1, 1 << 16))->capture_default_str();
  add_common(g, *gemm);
  g->callback([gemm, dims, &exit_code] {
    const auto [m, k, n] = *dims;
    gemm->shape = gemm_shape(m, k, n);
    exit_code = run_self_check(fmt::format("gemm {}x{}x{}", m, k, n), *gemm);
  });

  auto conv = std::make_shared<SelfCheckOptions>();
  CLI::App* c = app.add_subcommand("conv", "random int convolution on the RTL vs the golden model");
  ConvShape& s = conv->shape;
  s = ConvShape{16, 16, 8, 8, 3, 1, 1};
  c->add_option("--height", s.in_h, "input height")->check(CLI::Range(1, 4096))->capture_default_str();
  c->add_option("--width", s.in_w, "input width")->check(CLI::Range(1, 4096))->capture_default_str();
  c->add_option("--in-channels", s.in_channels, "input channels")->check(CLI::Range(1, 4096))->capture_default_str();
  c->add_option("--out-channels", s.out_channels, "output channels")->check(CLI::Range(1, 4096))->capture_default_str();
  c->add_option("--kernel", s.kernel, "square kernel size")->check(CLI::Range(1, 15))->capture_default_str();
  c->add_option("--stride", s.stride, "stride")->check(CLI::Range(1, 8))->capture_default_str();
  c->add_option("--pad", s.pad, "zero padding")->check(CLI::Range(0, 7))->capture_default_str();
  add_common(c, *conv);
  c->callback([conv, &exit_code] {
    const ConvShape& t = conv->shape;
    exit_code = run_self_check(fmt::format("conv {}x{}x{} -> {} k{} s{} p{}", t.in_h, t.in_w, t.in_channels,
                                           t.out_channels, t.kernel, t.stride, t.pad),
                               *conv);
  });
}

}  // namespace flipsim::cli
