#include "sim/rtl_engine.h"

#include "testbench/harness.h"
#include "testbench/layer_driver.h"

namespace flipsim {


RtlEngine::RtlEngine(const AccelConfig& config, const RtlOptions& options)
    : config_(config), harness_(std::make_unique<Harness>(config, HarnessOptions{options.trace_file, options.trace_on_demand})) {}

RtlEngine::~RtlEngine() = default;

FeatureMap RtlEngine::run(const FeatureMap& input, const ConvLayer& layer, LayerRun* run) {
  const LayerPlan plan = plan_layer(input.height, input.width, layer, config_);
  FeatureMap output(plan.out_h, plan.out_w, layer.out_channels);
  uint64_t cycles = 0;
  for (const LayerPass& pass : plan.passes) {
    PassResult result;
    if (passes_ == 0) {
      pass_cycles_.clear();
      pass_layers_.clear();
    }
    const int index = passes_++;
    pass_layers_.push_back(layer.name);
    PassHook hook;
    if (!hooks_.empty()) hook = [&](PassStage stage, HostPort& port) { hooks_(index, stage, port); };
    harness_->run([&](HostPort& port) { result = run_pass(port, input, layer, plan, pass, config_, hook); });
    if (result.hung) {
      harness_->injector().clear();
      harness_->reset();
      throw HangError("layer '" + layer.name + "' did not finish within " + std::to_string(config_.watchdog_cycles) +
                      " cycles");
    }
    events_.detected_passes += result.detected ? 1 : 0;
    events_.corrected_passes += result.corrected ? 1 : 0;
    events_.recomputes += result.recomputes;
    cycles += result.cycles;
    pass_cycles_.push_back(result.cycles);
    scatter_obuf(result.obuf, plan, pass, config_, output);
  }
  if (run) {
    run->cycles = cycles;
    run->macs = layer.macs(input.height, input.width);
  }
  return output;
}

std::unique_ptr<ConvEngine> make_rtl_engine(const AccelConfig& config, const RtlOptions& options) {
  return std::make_unique<RtlEngine>(config, options);
}

}  // namespace flipsim
