// SRAM bit-error-rate injections without the RTL. Their flips land on stored data once a pass's buffers are
// loaded, and neither the controller's schedule nor its addresses depend on data, so the architectural model
// (the buffers word by word, bit-exact with the RTL) running the same passes with the same flips
// (draw_ber_faults) computes what the RTL computes. Under a buffer code each flipped lane reads as the RTL's
// decoder returns it (model/accel/buffer_code.h), and the decoders' flags are raised by the words the pass reads;
// a flagged pass under `recompute` runs again from clean loads, as the host reruns it. `flipsim campaign --crosscheck` holds it to the full-RTL
// engine, injection by injection, on every buffer.
#pragma once

#include <string>
#include <vector>

#include "model/accel/arch_model.h"
#include "model/accel/engine.h"
#include "sim/campaign/golden_layer.h"
#include "sim/campaign/outcome.h"
#include "testbench/fault.h"
#include "testbench/site_map.h"

namespace flipsim {

class BerArchEngine : public ConvEngine {
 public:
  /// `observed` receives every row the post-processing unit requantizes, keyed by (pass, output-buffer address)
  /// as the RTL's PPU taps give them; rows of layers that no flip reaches are left out (they matter only while every
  /// layer's output is golden: accelerator_masking_stage in outcome.h). `golden_runs` (when given): every
  /// accelerator layer's fault-free run, in order, from which such a layer computes only the outputs its changed
  /// inputs reach.
  /// `model` (cleared here) is the architectural model of the accelerator it runs on, reused across injections.
  BerArchEngine(ArchModel& model, const SiteMap& map, const Injection& injection, GoldenLayer golden_layer,
                ObservedRows* observed, const std::vector<GoldenLayerRun>* golden_runs = nullptr);
  FeatureMap run(const FeatureMap& input, const ConvLayer& layer, LayerRun* run = nullptr) override;
  std::string name() const override { return "arch_ber"; }

  /// Stored bits flipped so far, as the RTL's fault injector counts them (every drawn flip, read or not).
  int flips() const { return flips_; }
  /// Layer of every pass, as RtlEngine::pass_layers().
  const std::vector<std::string>& pass_layers() const { return pass_layers_; }
  /// What the buffers' codes reported, as RtlEngine::protection_events().
  const ProtectionEvents& protection_events() const { return events_; }

 private:
  ArchModel& model_;
  const SiteMap& map_;
  const Injection& injection_;
  GoldenLayer golden_layer_;
  ObservedRows* observed_;
  const std::vector<GoldenLayerRun>* golden_runs_;
  int layers_ = 0;  ///< accelerator layers run so far
  int flips_ = 0;
  std::vector<std::string> pass_layers_;
  ProtectionEvents events_;
};

}  // namespace flipsim
