// Single upsets of the array's data registers and of the activation, weight and bias buffers without the RTL. A
// transient flip of a PE's weight, activation or partial-sum register (or an array-edge stage's data), or a flip
// of stored bits of an input buffer word, changes the accumulators of its pass in a way the array's dataflow and
// the controller's schedule fix exactly (model/soft_error/register_model.h, held to the RTL bit for bit by
// tests/rtl/register_model_rtl_test.cpp): the pass's outputs are the golden ones with those accumulators changed,
// every register is golden again by the next pass (the weights are reloaded before use) and every buffer word it
// reads is reloaded, and the golden model computes the rest. The PPU rows the change reaches are reported as the
// RTL's taps would show them. `flipsim campaign --crosscheck` holds it to the full-RTL engine, injection by
// injection.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/accel/engine.h"
#include "model/soft_error/register_model.h"
#include "sim/campaign/golden_layer.h"
#include "sim/campaign/outcome.h"
#include "testbench/fault.h"
#include "testbench/site_map.h"

namespace flipsim {

/// The register model's view of `injection`'s register when the register engine carries it: a one-cycle flip of a
/// PE weight, activation or partial-sum register that no redundancy of `map`'s accelerator covers, or of data bits
/// of an array-edge stage (not its valid bit, which steers the controller).
std::optional<model::RegisterUpset> register_upset(const Injection& injection, const SiteMap& map);
/// The same for a flip of stored data bits of a word of an uncoded buffer.
std::optional<model::BufferUpset> buffer_upset(const Injection& injection, const SiteMap& map);
/// Whether `injection` is a one-cycle flip of host-port bits nothing on the data path reads: the cycle counters, and
/// descriptor bits the controller cuts off (above a count's, an address's or a field's width). Such an upset changes
/// no output and no accumulator (the register engine runs it as no change at all).
bool masked_by_construction(const Injection& injection, const SiteMap& map);
/// The single upset a campaign row records (its fault model, site, bits and busy cycle; one cycle long).
Injection recorded_upset(const InjectionRecord& row, const SiteMap& map);
/// Whether the register engine (and the register model) carries `injection`: a register upset, a buffer upset the
/// schedule answers, or an upset masked by construction.
bool register_engine_carries(const Injection& injection, const SiteMap& map, const model::ArraySchedule& schedule);

class RegisterEngine : public ConvEngine {
 public:
  /// What the upset does to its pass, given the layer's fault-free input (nullopt: not carried here).
  using Changes = std::function<std::optional<std::vector<model::LaneChange>>(const FeatureMap& input)>;

  /// `schedule`: the network's passes on `config`; the upset falls in pass `pass` and does `changes` there;
  /// `observed` receives the PPU rows the upset changes, keyed by (pass, output-buffer address).
  RegisterEngine(const AccelConfig& config, int pass, Changes changes, GoldenLayer golden_layer,
                 ObservedRows* observed);
  FeatureMap run(const FeatureMap& input, const ConvLayer& layer, LayerRun* run = nullptr) override;
  std::string name() const override { return "register"; }

  /// Layer of every pass, as RtlEngine::pass_layers().
  const std::vector<std::string>& pass_layers() const { return pass_layers_; }

 private:
  AccelConfig config_;
  int upset_pass_ = -1;
  Changes changes_;
  GoldenLayer golden_layer_;
  ObservedRows* observed_;
  int passes_ = 0;
  std::vector<std::string> pass_layers_;
};

}  // namespace flipsim
