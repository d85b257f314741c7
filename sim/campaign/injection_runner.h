// Runs injections on the RTL (the full-RTL reference engine: every inference re-simulated cycle by cycle).
// Lives in a worker process: it owns that process's one SystemC harness.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/accel/arch_model.h"
#include "model/soft_error/register_model.h"
#include "sim/campaign/campaign_setup.h"
#include "sim/campaign/fault_plan.h"
#include "sim/campaign/hybrid_engine.h"
#include "sim/campaign/outcome.h"
#include "sim/campaign/result_store.h"
#include "sim/rtl_engine.h"
#include "testbench/fault.h"
#include "testbench/ppu_observer.h"

namespace flipsim {

/// Which engine runs an injection: every cycle on the RTL, or only the cycles where the fault is live
/// (hybrid_engine.h; SRAM bit-error rates on the architectural model, ber_arch_engine.h; faults neither can run
/// go to the full engine).
enum class CampaignEngine { kFull, kHybrid };

/// One injection run by both engines (flipsim campaign --crosscheck).
struct EngineComparison {
  InjectionRecord full, hybrid;
  bool hybrid_ran = false;   ///< false: the hybrid engine handed the fault to the full engine
  bool same_values = false;  ///< every op's output (logits included) identical, or both hung
};

class InjectionRunner {
 public:
  /// `watchdog_cycles` bounds each pass (0: the accelerator config's own watchdog).
  InjectionRunner(const CampaignSetup& setup, uint64_t watchdog_cycles, const RtlOptions& rtl = {});

  /// Fault-free RTL run of the campaign's first image; throws if it differs from the golden model.
  Timeline probe();
  /// Fault-free RTL run of one test image from the same starting state as every injection.
  void run_fault_free(int image);
  InjectionRecord run(const Injection& injection, CampaignEngine engine = CampaignEngine::kFull);
  /// True when running `injection` on `engine` simulates the RTL (or needs its image's golden checkpoints, whose
  /// recording costs about a fault-free RTL inference and then serves every injection on the image); false when
  /// the software models carry it whole. Decided without simulating anything.
  bool needs_rtl(const Injection& injection, CampaignEngine engine) const;
  /// How many images' golden checkpoints to keep (16 unless set; at least 1). A caller that runs its injections
  /// in image order needs few, and a new image's checkpoints then go into the memory of the oldest's.
  void keep_trajectories(size_t images) { max_trajectories_ = std::max<size_t>(1, images); }
  EngineComparison compare_engines(const Injection& injection);
  RtlEngine& engine() { return engine_; }

 private:
  /// Reset, buffers zeroed, pass count 0: the state every run starts from, so runs compare cycle by cycle.
  void start_clean();
  const std::vector<FeatureMap>& golden(int image);
  /// Every accelerator layer's layer_accumulators() in image `image`'s fault-free run (accel_ops() order).
  const std::vector<std::vector<int64_t>>& golden_accumulators(int image);
  /// Every accelerator layer's fault-free run in image `image` (accel_ops() order).
  const std::vector<GoldenLayerRun>& golden_runs(int image);

  /// What a faulty run leaves for classification, whichever engine ran it.
  struct FaultyRun {
    std::vector<FeatureMap> values;
    bool hung = false;
    int flips = 0;
    ObservedRows observed;
    std::vector<std::string> layers;  ///< layer of every pass started
    ProtectionEvents protection;      ///< full-RTL runs of a protectable accelerator
  };
  /// The ways to run an injection: every cycle on the RTL, the RTL only where the fault is live, none (SRAM
  /// bit-error rates on the architectural model, PE register upsets through the array's dataflow, hangs a
  /// corrupted loop bound proves: hang_proof.h).
  enum class Route { kFull, kHybrid, kArchitectural, kRegister, kProvenHang };
  /// How the hybrid engine runs `injection` (kFull: it cannot).
  Route hybrid_route(const Injection& injection);
  /// hybrid_route's answer where it needs no trajectory to decide.
  std::optional<Route> software_route(const Injection& injection) const;
  /// Runs `injection` by `route` (for kHybrid its trajectory recorded), leaves the run in `run` and returns its
  /// row.
  InjectionRecord simulate(const Injection& injection, Route route, FaultyRun* run);
  /// The row for `injection` from what its run left; `cycles`: clock cycles the RTL simulated for it.
  InjectionRecord record(const Injection& injection, const FaultyRun& run, uint64_t cycles);
  FaultyRun run_full(const Injection& injection);
  FaultyRun run_hybrid(const Injection& injection, const GoldenTrajectory& trajectory);
  FaultyRun run_architectural(const Injection& injection);
  FaultyRun run_register(const Injection& injection);
  /// A hang without a cycle simulated: the passes up to the injection's started, the last never ended.
  FaultyRun proven_hang(const Injection& injection) const;
  /// The golden output of a layer when `input` is its golden input for `image`, else null.
  const FeatureMap* golden_layer(int image, const std::string& layer, const FeatureMap& input);
  const GoldenTrajectory& trajectory(int image);
  size_t max_trajectories_ = 16;

  const CampaignSetup& setup_;
  RtlEngine engine_;
  PpuObserver ppu_;
  std::map<int, std::vector<FeatureMap>> golden_;
  std::map<int, std::vector<std::vector<int64_t>>> golden_accumulators_;
  std::map<int, std::vector<GoldenLayerRun>> golden_runs_;  ///< into golden_ and golden_accumulators_
  std::unique_ptr<StateLayout> layout_;
  model::ArraySchedule schedule_;
  ArchModel arch_model_;  ///< the bit-error-rate route's, cleared for each injection
  std::vector<std::string> pass_layers_;  ///< the layer of every pass of a fault-free inference
  std::map<int, GoldenTrajectory> trajectories_;
  std::vector<DutState> spare_states_;  ///< evicted trajectories' states, whose memory the next one reuses
  std::vector<int> trajectory_order_;
};

/// The fault-free timeline (Timeline::to_json) of the campaign's first image, from the RTL in a forked child:
/// the calling process never starts SystemC, so the workers it forks later can elaborate their own kernels.
std::string probe_timeline(const CampaignSetup& setup);

}  // namespace flipsim
