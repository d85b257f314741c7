// Speed of the data-level fault simulation, for BENCHMARKS.md (whole-run timing, single thread).
//
//   1. Injector throughput on the config's network: single-bit flips in weights and in layer-input activations,
//      over N test images with K injections each, for flipsim's incremental bit-exact injector, for rerunning the
//      whole bit-exact network per injection, and for a PyTorch-style float injector in C++ (quantize, flip, rerun
//      the whole float network). tests/bench/bench_sweep.py measures real PyTorch the same way.
//   2. A whole sweep by the three methods (software, model, accelerated): seconds, speed-up, and how far the model
//      and the accelerated simulation are from the software measurement.
//
//   bench_sweep [--config configs/sweeps/lenet5_int8_weights.yaml] [--images 1000] [--injections 10]
//               [--sweep-images N] [--sweep-injections M] [--no-sweep] [--no-injector]
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>

#include "model/soft_error/sw_fault_sim.h"
#include "model/soft_error/sweep.h"
#include "model/soft_error/sweep_config.h"
#include "model/nn/float_executor.h"

namespace {

using flipsim::model::FaultModel;
using flipsim::model::FaultSpace;
using flipsim::model::FaultTarget;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Quantize to `bits`-bit integers with `scale`, flip one bit, dequantize: what a float injector does.
float flip_float(float v, double scale, int bit, int bits) {
  const double q_max = std::ldexp(1.0, bits - 1) - 1;
  const int32_t q = int32_t(std::clamp(std::round(v / scale), -q_max - 1, q_max));
  return float(flipsim::model::flip_bit(q, bit, bits) * scale);
}

nlohmann::json injector_speed(const flipsim::model::LoadedNetwork& ln, const flipsim::AccelConfig& accel, int images,
                              int injections) {
  const flipsim::nn::QNetwork& net = ln.net;
  nlohmann::json out;
  for (FaultTarget target : {FaultTarget::kWeights, FaultTarget::kActivations}) {
    const FaultSpace space(net, target);
    FaultModel single;
    single.mode = FaultModel::Mode::kSingle;
    flipsim::model::SwFaultSim sim(net, accel);
    // flipsim: golden pass per image (cached), then incremental injections.
    std::mt19937_64 rng(1);
    size_t correct = 0;
    auto t = Clock::now();
    for (int i = 0; i < images; ++i) {
      sim.load_image(net.quantize_image(ln.test.image(size_t(i))));
      for (int m = 0; m < injections; ++m)
        correct += sim.inject(flipsim::model::sample_faults(space, single, rng)).top1 == ln.test.labels[size_t(i)];
    }
    const double incremental = seconds_since(t);
    const double n = double(images) * injections;
    // Whole bit-exact network per injection (what the incremental path saves), on a tenth of the images.
    const int full_images = std::max(1, images / 10);
    t = Clock::now();
    for (int i = 0; i < full_images; ++i) {
      const flipsim::FeatureMap in = net.quantize_image(ln.test.image(size_t(i)));
      for (int m = 0; m < injections; ++m) sim.run_full(in, flipsim::model::sample_faults(space, single, rng));
    }
    const double full = seconds_since(t) / (double(full_images) * injections);
    nlohmann::json j = {{"injections", n},
                        {"incremental_seconds", incremental},
                        {"incremental_per_second", n / incremental},
                        {"full_bit_exact_per_second", 1.0 / full},
                        {"accuracy", double(correct) / n}};
    if (target == FaultTarget::kWeights) {
      // PyTorch-style in C++: flip one quantized weight of the float graph and rerun the whole float network.
      flipsim::nn::FloatGraph g = ln.graph;
      std::vector<std::pair<std::vector<float>*, double>> tensors;
      size_t total = 0;
      for (auto& op : g.ops)
        if (op.type == flipsim::nn::OpType::kConv || op.type == flipsim::nn::OpType::kGemm) {
          float m = 0;
          for (float w : op.weights) m = std::max(m, std::abs(w));
          tensors.push_back({&op.weights, m / (std::ldexp(1.0, net.data_bits - 1) - 1)});
          total += op.weights.size();
        }
      t = Clock::now();
      size_t fc = 0;
      for (int i = 0; i < images; ++i) {
        const auto x = flipsim::nn::image_to_tensor(ln.test.image(size_t(i)), ln.test.image_bytes());
        for (int m = 0; m < injections; ++m) {
          size_t k = std::uniform_int_distribution<size_t>(0, total - 1)(rng);
          size_t ti = 0;
          while (k >= tensors[ti].first->size()) k -= tensors[ti++].first->size();
          float& w = (*tensors[ti].first)[k];
          const float old = w;
          w = flip_float(old, tensors[ti].second, std::uniform_int_distribution<int>(0, net.data_bits - 1)(rng),
                         net.data_bits);
          const auto acts = flipsim::nn::run_float_graph(g, x);
          const auto& z = acts[size_t(g.output_value)];
          fc += flipsim::nn::argmax(z.data(), z.size()) == ln.test.labels[size_t(i)];
          w = old;
        }
      }
      const double fl = seconds_since(t);
      j["float_rerun_per_second"] = n / fl;
      j["float_rerun_accuracy"] = double(fc) / n;
    }
    out[flipsim::model::fault_target_name(target)] = j;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"flipsim data-level fault simulation benchmark"};
  std::string config = std::string(FLIPSIM_SOURCE_DIR) + "/configs/sweeps/lenet5_int8_weights.yaml";
  int images = 1000, injections = 10, sweep_images = 0, sweep_injections = 0;
  bool no_sweep = false, no_injector = false;
  app.add_option("--config", config, "sweep config (its network for part 1, the whole sweep for part 2)");
  app.add_option("--images", images, "part 1: test images");
  app.add_option("--injections", injections, "part 1: single-bit injections per image");
  app.add_option("--sweep-images", sweep_images, "part 2: images (default: the config's)");
  app.add_option("--sweep-injections", sweep_injections, "part 2: injections per image and rate (default: config)");
  app.add_flag("--no-sweep", no_sweep, "skip part 2");
  app.add_flag("--no-injector", no_injector, "skip part 1");
  CLI11_PARSE(app, argc, argv);

  flipsim::model::SweepConfig c = flipsim::model::load_sweep_config(config);
  if (sweep_images > 0) c.images = sweep_images;
  if (sweep_injections > 0) c.injections = sweep_injections;
  const flipsim::model::LoadedNetwork ln =
      flipsim::model::load_network(c.infer, std::max(c.images, no_injector ? 1 : images));
  nlohmann::json report = {{"config", config}};
  if (!no_injector) report["injector"] = injector_speed(ln, c.infer.accel, images, injections);
  if (!no_sweep) {
    nlohmann::json sweep;
    std::vector<flipsim::model::SweepResult> r;
    for (auto m : {flipsim::model::Method::kSoftware, flipsim::model::Method::kModel,
                   flipsim::model::Method::kAccelerated})
      r.push_back(flipsim::model::run_sweep(c, ln, m));
    auto worst = [&](const flipsim::model::SweepResult& x, bool normal) {
      double w = 0;
      for (size_t b = 0; b < x.points.size(); ++b) {
        const auto& s = r[0].points[b];
        if (s.accuracy.high - s.accuracy.low > 0.02) continue;  // only where software's interval is within +-1 point
        const double v = normal ? x.points[b].accuracy_normal : x.points[b].accuracy.value;
        w = std::max(w, std::abs(v - s.accuracy.value));
      }
      return w;
    };
    sweep = {{"images", c.images},
             {"injections", c.injections},
             {"rates", c.bers.size()},
             {"software_seconds", r[0].seconds},
             {"model_seconds", r[1].seconds},
             {"accelerated_seconds", r[2].seconds},
             {"speedup_accelerated", r[0].seconds / r[2].seconds},
             {"speedup_model", r[0].seconds / r[1].seconds},
             {"max_abs_diff_accelerated", worst(r[2], false)},
             {"max_abs_diff_model_improved", worst(r[1], false)},
             {"max_abs_diff_model_normal", worst(r[1], true)}};
    report["sweep"] = sweep;
  }
  std::cout << report.dump(2) << "\n";
  return 0;
}
