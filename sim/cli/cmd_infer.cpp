// flipsim infer: a shipped (or any) ONNX network, quantized, on the golden model or the RTL.
#include <fmt/core.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "model/accel/arch_model.h"
#include "model/common/config_error.h"
#include "model/accel/golden.h"
#include "sim/cli/commands.h"
#include "model/nn/evaluate.h"
#include "model/nn/idx_dataset.h"
#include "model/nn/infer_config.h"
#include "model/nn/onnx_import.h"
#include "model/nn/deployed_network.h"
#include "sim/rtl_engine.h"
#include "testbench/scoreboard.h"

namespace flipsim::cli {
namespace {

struct InferOptions {
  std::string config;
  int images = 0;  ///< 0: the config's `images`
  std::string engine = "golden";
  std::string trace_file;
  bool json = false;
  bool layers = false;
};

/// One line per op: where it runs, its output shape and scale, and the accelerator layer's PPU parameters.
void print_layers(const nn::QNetwork& net) {
  const nn::QValue& in = net.values[size_t(net.input_value)];
  fmt::print("  {:>3}  {:<32} {:<18} {:<5} {:>10}  {:<12} {}\n", "op", "name", "kind", "where", "output", "scale",
             "accelerator layer / rescaling");
  fmt::print("  {:>3}  {:<32} {:<18} {:<5} {:>10}  {:<12.6g}\n", "-", "(input)", "", "",
             fmt::format("{}x{}x{}", in.height, in.width, in.channels), in.scale);
  for (size_t i = 0; i < net.ops.size(); ++i) {
    const nn::QOp& op = net.ops[i];
    const nn::QValue& out = net.values[size_t(op.output)];
    std::string detail;
    if (op.type == nn::QOpType::kAccel) {
      const ConvLayer& l = op.layer;
      detail =
          fmt::format("{}x{} s{} p{} {}->{} M={} shift={}{}", l.kernel_h, l.kernel_w, l.stride, l.pad, l.in_channels,
                      l.out_channels, l.requant.multiplier, l.requant.shift, l.requant.relu ? " relu" : "");
    } else if (op.type == nn::QOpType::kAdd) {
      detail = fmt::format("a: M={} shift={}, b: M={} shift={}{}", op.add.a.multiplier, op.add.a.shift,
                           op.add.b.multiplier, op.add.b.shift, op.add.relu ? " relu" : "");
    }
    const char* kind = op.type != nn::QOpType::kAccel ? nn::qop_type_name(op.type) : op.from_gemm ? "Gemm" : "Conv";
    fmt::print("  {:>3}  {:<32} {:<18} {:<5} {:>10}  {:<12.6g} {}\n", i, op.name, kind,
               op.type == nn::QOpType::kAccel ? "accel" : "host",
               fmt::format("{}x{}x{}", out.height, out.width, out.channels), out.scale, detail);
  }
}

int run_infer(const InferOptions& o) {
  const nn::InferConfig config = nn::load_infer_config(o.config);
  const size_t images = size_t(o.images > 0 ? o.images : config.images);
  const nn::FloatGraph graph = nn::import_onnx_file(config.model);
  // Reading only the images used keeps start-up cheap (the training file holds 60,000 for 500 calibration images).
  const nn::ImageSet test = nn::load_fashion_mnist(config.dataset_dir, nn::Split::kTest, images);
  nn::check_model_fits_images(graph, test);
  if (images > test.size())
    throw flipsim::ConfigError(o.config + ": asked for " + std::to_string(images) + " images, the test set has " +
                               std::to_string(test.size()));
  const nn::ImageSet train =
      nn::load_fashion_mnist(config.dataset_dir, nn::Split::kTrain, size_t(config.calibration_images));
  const nn::QNetwork net = nn::deployed_network(graph, train, config);

  std::unique_ptr<ConvEngine> engine;
  if (o.engine == "rtl")
    engine = make_rtl_engine(config.accel, RtlOptions{o.trace_file});
  else if (o.engine == "arch")
    engine = std::make_unique<ArchEngine>(config.accel);
  else
    engine = std::make_unique<GoldenEngine>(config.accel);
  // Anything but the golden model itself is checked against it, layer by layer.
  std::unique_ptr<CheckedEngine> checked;
  if (o.engine != "golden") checked = std::make_unique<CheckedEngine>(*engine, config.accel);
  ConvEngine& runner = checked ? static_cast<ConvEngine&>(*checked) : *engine;

  size_t correct = 0, mismatched_images = 0;
  nn::NetworkRun cost;
  double seconds = 0;
  for (size_t n = 0; n < images; ++n) {
    const uint64_t before = checked ? checked->scoreboard().mismatches() : 0;
    const auto start = std::chrono::steady_clock::now();
    correct += net.classify(test.image(n), runner, &cost) == test.labels[n] ? 1 : 0;
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (checked && checked->scoreboard().mismatches() != before) ++mismatched_images;
  }
  const size_t float_correct = nn::float_correct(graph, test, images);
  const double accuracy = double(correct) / double(images);
  const double float_accuracy = double(float_correct) / double(images);
  const uint64_t mismatched_values = checked ? checked->scoreboard().mismatches() : 0;

  if (o.json) {
    const nlohmann::json j = {{"config", o.config},
                              {"model", config.model},
                              {"engine", o.engine},
                              {"accelerator", config.accel.variant()},
                              {"data_bits", config.data_bits},
                              {"calibration_images", config.calibration_images},
                              {"images", images},
                              {"accuracy", accuracy},
                              {"int_accuracy", accuracy},
                              {"float_accuracy", float_accuracy},
                              {"mismatches", mismatched_images},
                              {"mismatched_values", mismatched_values},
                              {"cycles_per_image", double(cost.cycles) / double(images)},
                              {"macs_per_image", double(cost.macs) / double(images)},
                              {"wall_seconds_per_image", seconds / double(images)}};
    std::cout << j.dump(2) << "\n";
  } else {
    fmt::print("{}: {} as int{} on {} ({}), engine {}\n", o.config, config.model, config.data_bits, config.accel.name,
               config.accel.variant(), o.engine);
    if (o.layers) print_layers(net);
    fmt::print("  images            {}\n", images);
    fmt::print("  accuracy          {:.4f}  (int{}, {} correct)\n", accuracy, config.data_bits, correct);
    fmt::print("  float_accuracy    {:.4f}  ({} correct)\n", float_accuracy, float_correct);
    if (checked)
      fmt::print("  mismatches        {} images ({} values differ from the golden model)\n", mismatched_images,
                 mismatched_values);
    else
      fmt::print("  mismatches        0 (golden engine: nothing to compare)\n");
    fmt::print("  cycles_per_image  {:.0f}\n", double(cost.cycles) / double(images));
    fmt::print("  macs_per_image    {:.0f}\n", double(cost.macs) / double(images));
    fmt::print("  wall per image    {:.3f} ms\n", 1e3 * seconds / double(images));
    if (mismatched_values) fmt::print("{}\n", checked->scoreboard().summary());
  }
  return mismatched_images ? 1 : 0;
}

}  // namespace

void register_infer(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<InferOptions>();
  CLI::App* sub = app.add_subcommand("infer", "run the first N Fashion-MNIST test images through a quantized network");
  sub->add_option("config", o->config, "inference YAML (configs/infer/*.yaml)")->required();
  sub->add_option("--images", o->images, "number of test images (default: the config's `images`)")
      ->check(CLI::Range(1, 10000));
  sub->add_option("--engine", o->engine, "what runs the Conv/Gemm layers; rtl and arch are checked against golden")
      ->check(CLI::IsMember({"golden", "rtl", "arch"}))
      ->capture_default_str();
  sub->add_option("--trace", o->trace_file, "with --engine rtl: write an FST waveform");
  sub->add_flag("--json", o->json, "print one JSON object");
  sub->add_flag("--layers", o->layers, "also list the quantized ops: where each runs, its shape, scale and PPU values");
  sub->callback([o, &exit_code] { exit_code = run_infer(*o); });
}

}  // namespace flipsim::cli
