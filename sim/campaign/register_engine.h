// Single upsets of the array's data registers and of the buffers without the RTL. A transient flip (or a stuck-at
// that ends in its pass) of a PE's weight, activation or partial-sum register, an array-edge stage's data, the
// controller's bias or column-sum lane or the PPU's accumulator lane, or a flip of stored bits of a buffer word,
// changes the accumulators (or outputs) of its pass in a way the array's dataflow and the controller's schedule fix
// exactly (model/soft_error/register_model.h, held to the RTL bit for bit by tests/rtl/register_model_rtl_test.cpp):
// the pass's outputs are the golden ones with those accumulators changed, every register is golden again by the
// next pass (the weights are reloaded before use) and every buffer word it reads is reloaded, and the golden model
// computes the rest. A permanent stuck-at changes every pass, each on the input it actually reads. The PPU rows the
// change reaches are reported as the RTL's taps would show them. `flipsim campaign --crosscheck` holds it to the
// full-RTL engine, injection by injection.
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

/// The register model's view of `injection`'s register: a flip (or a stuck-at, with its cycles) of a PE weight,
/// activation or partial-sum register that no redundancy of `map`'s accelerator covers, of data bits of an
/// array-edge stage (not its valid bit, which steers the controller), or of a controller or PPU data lane.
std::optional<model::RegisterUpset> register_upset(const Injection& injection, const SiteMap& map);
/// The same for a flip of stored data bits of a word of an uncoded buffer.
std::optional<model::BufferUpset> buffer_upset(const Injection& injection, const SiteMap& map);
/// Whether `injection` is a one-cycle flip of host-port bits nothing on the data path reads: the cycle counters, and
/// descriptor bits the controller cuts off (above a count's, an address's or a field's width). Such an upset changes
/// no output and no accumulator (the register engine runs it as no change at all).
bool masked_by_construction(const Injection& injection, const SiteMap& map);
/// The upset a campaign row records (its fault model, site, bits and busy cycle), applied for `hold` cycles (the
/// campaign's duration for a stuck-at; the row does not store it).
Injection recorded_upset(const InjectionRecord& row, const SiteMap& map, uint64_t hold = 1);

/// An injection the register engine (and the register model) carries without the RTL: a register upset whose
/// effect stays in its pass, a buffer upset the schedule answers, or an upset masked by construction. The one
/// place that decides, for the campaign's route, its rows and the model's prediction alike.
class CarriedUpset {
 public:
  /// nullopt when `injection` needs the RTL.
  static std::optional<CarriedUpset> of(const Injection& injection, const SiteMap& map,
                                        const model::ArraySchedule& schedule);
  /// The pass it falls in (a permanent stuck-at: the first).
  int pass() const { return pass_; }
  /// A permanent stuck-at: every pass changes, each on what its layer reads (which earlier passes may have changed).
  bool every_pass() const { return register_ && register_->hold == 0; }
  /// What it does to pass `pass`, lane by lane, for `input`, what the pass's layer reads (fault-free up to its own
  /// pass for everything but every_pass()).
  std::vector<model::LaneChange> lane_changes(int pass, const FeatureMap& input) const;
  /// What it does to the accumulators, for every accelerator layer's fault-free input (not every_pass()).
  std::vector<model::AccumulatorChange> accumulator_changes(const std::vector<const FeatureMap*>& inputs) const;

 private:
  CarriedUpset(const model::ArraySchedule& schedule, int pass) : schedule_(&schedule), pass_(pass) {}
  const model::ArraySchedule* schedule_;
  int pass_ = 0;
  std::optional<model::RegisterUpset> register_;
  std::optional<model::BufferUpset> buffer_;  ///< neither: masked by construction, no change
};

class RegisterEngine : public ConvEngine {
 public:
  /// What the upset does to pass `pass` (of the inference), given what the pass's layer reads.
  using Changes = std::function<std::vector<model::LaneChange>(int pass, const FeatureMap& input)>;

  /// The upset does `changes` to the passes of the network run on `config`, whose layers `schedule` plans;
  /// `observed` receives the PPU rows it changes, keyed by (pass, output-buffer address). `golden_runs` (when
  /// given): every accelerator layer's fault-free run, in order: a layer that sees its golden input takes its
  /// accumulators from it, and one that does not computes only the outputs its changed inputs reach.
  RegisterEngine(const AccelConfig& config, const model::ArraySchedule& schedule, Changes changes,
                 GoldenLayer golden_layer, ObservedRows* observed,
                 const std::vector<GoldenLayerRun>* golden_runs = nullptr);
  FeatureMap run(const FeatureMap& input, const ConvLayer& layer, LayerRun* run = nullptr) override;
  std::string name() const override { return "register"; }

  /// Layer of every pass, as RtlEngine::pass_layers().
  const std::vector<std::string>& pass_layers() const { return pass_layers_; }

 private:
  AccelConfig config_;
  const model::ArraySchedule& schedule_;
  Changes changes_;
  GoldenLayer golden_layer_;
  ObservedRows* observed_;
  const std::vector<GoldenLayerRun>* golden_runs_;
  int layers_ = 0;  ///< accelerator layers run so far
  int passes_ = 0;
  std::vector<std::string> pass_layers_;
};

}  // namespace flipsim
