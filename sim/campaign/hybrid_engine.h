// The hybrid campaign engine: the RTL runs only while a fault is live. The fault-free prefix is not simulated
// but restored from golden checkpoints of the same image's fault-free RTL run (Verilator save/restore); the RTL
// stops as soon as the DUT's whole state (registers and SRAM) equals the golden run's at the same point, and the
// bit-exact C++ model computes everything after. A pass the RTL finished with a differing state hands its
// outputs on, and the next passes run on the RTL until the state is golden again. On a protectable design the
// RTL windows carry the check bits, copies and sticky status flags in their state like any register, each pass
// the RTL finishes reports what the protection found, and a pass the host recomputes runs again on the RTL.
// `flipsim campaign --crosscheck` holds it to the full-RTL engine, injection by injection.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/accel/engine.h"
#include "sim/campaign/golden_layer.h"
#include "sim/rtl_engine.h"
#include "testbench/dut_state.h"
#include "testbench/fault.h"
#include "testbench/harness.h"
#include "testbench/ppu_observer.h"
#include "testbench/site_map.h"

namespace flipsim {

/// Busy cycles between golden checkpoints: the RTL re-simulates fewer fault-free cycles before a fault than
/// this, and notices at most this late that its state is golden again. Halving it to 256 doubles what recording an
/// image's checkpoints costs (a 119 KB state each) and made LeNet-5's site-mix campaigns 12-15 % slower.
constexpr uint64_t kCheckpointInterval = 512;

/// Where the buffers' words lie in a serialized DUT state, found through the SRAM fault port (flip the first
/// and the last stored bit of each buffer, see which byte changes), so that registers can be compared alone.
class StateLayout {
 public:
  /// Calibrates on the idle DUT (after a clean start); throws std::runtime_error if a flip does not show up as
  /// exactly one changed byte.
  StateLayout(Harness& harness, const SiteMap& map);
  /// True when the two states agree everywhere but in the free-running cycle counter, which only answers the
  /// host's reads of CYCLES: a faulty run that took longer than the golden one is otherwise golden again.
  bool same_state(const DutState& a, const DutState& b) const;
  /// True when the two states agree on every bit that steers: not comparing the buffers' stored words, the cycle
  /// counters, or any bit that holds data (the datapath's registers and the buffers' read ports, which a pass
  /// writes before it reads them, and the values the model keeps of the logic between registers). The next pass
  /// then computes from its input what the golden model computes, whatever the data bits hold: a pass whose
  /// steering ends golden has left the fault in its outputs only. Protectable designs compare every register.
  bool same_steering(const DutState& a, const DutState& b) const;
  /// True when the two states agree everywhere but in the cycle counters (since reset, and of the layer).
  bool same_but_counters(const DutState& a, const DutState& b) const;

  /// A protectable design's sticky status flags set in a faulty state and clear in the golden one.
  struct StatusFlags {
    bool detected = false, corrected = false;
  };
  /// When `faulty` equals `golden` but for status flags it has set (and the golden state has not): which.
  std::optional<StatusFlags> golden_but_status(const DutState& faulty, const DutState& golden) const;

 private:
  /// True when `a` and `b` agree on the host inputs and on every byte outside the sorted [first, last] ranges.
  static bool same_outside(const DutState& a, const DutState& b, const std::vector<std::pair<size_t, size_t>>& skip);
  std::vector<std::pair<size_t, size_t>> counter_;  ///< the cycle counter's bytes (every copy), sorted
  std::vector<std::pair<size_t, size_t>> counters_;  ///< counter_ and the layer's cycle counter's bytes, sorted
  std::vector<std::pair<size_t, size_t>> steering_;  ///< what same_steering() skips: buffers, counters_, data bytes
  struct DataBits {
    size_t byte = 0;
    char ignored = 0;  ///< the byte's data bits (the rest steer)
  };
  std::vector<DataBits> partial_;  ///< bytes that hold data and steering bits alike (also in steering_)
  struct FlagBit {
    size_t byte = 0;
    char mask = 0;
  };
  std::vector<FlagBit> detected_, corrected_;  ///< where the status flags lie (protectable designs)
};

/// One image's fault-free RTL run, as checkpoints of the DUT's state.
struct GoldenTrajectory {
  /// checkpoints[pass][k]: the state a quarter period after the falling edge of busy cycle k of the pass
  /// (k counted from the rising edge that accepted the pass's start; k = 1 and every kCheckpointInterval).
  std::vector<std::map<uint64_t, DutState>> checkpoints;
  /// ends[pass]: the state at the first such moment after the pass went idle, and its k.
  std::vector<std::pair<uint64_t, DutState>> ends;
  /// row_writes[pass]: for every output-buffer address the post-processing unit writes, the k of its last write.
  std::vector<std::map<uint32_t, uint64_t>> row_writes;
};

/// Records the trajectory while `run_image` runs one fault-free inference on `engine` from a clean start; `ppu`
/// (the PPU taps) gives the row writes. The states are saved into the memory of `spare`'s (taken from its back)
/// while it has any.
GoldenTrajectory record_trajectory(RtlEngine& engine, const SiteMap& map, const PpuObserver& ppu,
                                   const std::function<void()>& run_image, std::vector<DutState>* spare = nullptr);
/// Moves every state of `trajectory` to the back of `spare`.
void recycle_states(GoldenTrajectory&& trajectory, std::vector<DutState>& spare);

/// True when the hybrid engine runs `injection`: a transient fault on a site, starting after its pass's first
/// checkpoint. Permanent faults touch every pass: the full-RTL engine runs those (SRAM bit-error rates go to the
/// architectural model, ber_arch_engine.h).
bool hybrid_runs(const Injection& injection, const GoldenTrajectory& trajectory);

/// A ConvEngine for one injection: QNetwork::run drives it layer by layer, like the full-RTL engine.
class HybridEngine : public ConvEngine {
 public:
  HybridEngine(RtlEngine& rtl, const SiteMap& map, const StateLayout& layout, const GoldenTrajectory& trajectory,
               const Injection& injection, GoldenLayer golden_layer);
  FeatureMap run(const FeatureMap& input, const ConvLayer& layer, LayerRun* run = nullptr) override;
  std::string name() const override { return "hybrid"; }

  int flips() const { return flips_; }
  /// What the protection reported in the passes the RTL finished (none in passes whose state became golden:
  /// the status flags are sticky, so a golden state has none set).
  const ProtectionEvents& protection_events() const { return events_; }
  /// Pass the RTL is simulating (for observers' cycle hooks).
  int current_pass() const { return current_pass_; }
  /// True between a restore and the DUT's first evaluation after it, when its outputs (the PPU taps among them)
  /// still show the previous run's values.
  bool outputs_stale() const { return outputs_stale_; }
  /// Where the state became golden again (pass, k), if it did in the middle of a pass: a row the faulty run
  /// requantized before that point whose golden last write comes later would have been rewritten with the golden
  /// row (a spurious early write, say), so what an observer saw of it no longer stands.
  std::optional<std::pair<int, uint64_t>> converged_at() const { return converged_at_; }
  /// Layer of every pass started so far (a hung pass is the last one), as RtlEngine::pass_layers().
  const std::vector<std::string>& pass_layers() const { return pass_layers_; }
  /// Passes the host recomputed after their state had become golden: the rerun, not simulated, is the golden run,
  /// so every row their post-processing unit requantized is the golden one in the end (the RTL's rerun rewrites
  /// what the faulty run's rows showed).
  const std::vector<int>& golden_reruns() const { return golden_reruns_; }

 private:
  struct PassRun {
    bool converged = false;  ///< the state became golden: the pass's outputs are the golden model's
    bool hung = false;
    std::vector<BufferWord> obuf;
    bool detected = false, corrected = false;
    int recomputes = 0;
  };
  PassRun restore_and_run(int index, const LayerPass& pass);
  /// Runs a pass from its buffer loads on the RTL, recomputing it up to `config`'s max_retries times.
  PassRun run_on_rtl(int index, const FeatureMap& input, const ConvLayer& layer, const LayerPlan& plan,
                     const LayerPass& pass, const AccelConfig& config);
  /// True when the injection flips a stored bit of abuf, wbuf or bbuf in a word this pass does not use.
  bool flips_unread_word(const LayerPlan& plan, const LayerPass& pass) const;
  /// A settled hook's check at busy cycle k of pass `index`: aborts the RTL job when the state is golden; when
  /// the pass has just ended with golden steering registers, the fault lives on only in the pass's outputs.
  void check_golden(int index, uint64_t k);
  /// True when `now`, a busy state at a checkpoint of pass `index`, proves the pass hung (see the definition).
  bool stalled(int index, const DutState& now);
  void realign();

  RtlEngine& rtl_;
  const SiteMap& map_;
  const StateLayout& layout_;
  const GoldenTrajectory& trajectory_;
  const Injection& injection_;
  GoldenLayer golden_layer_;
  int passes_ = 0;
  int current_pass_ = -1;
  bool golden_again_ = false;  ///< the state converged: everything left is the golden model's
  bool outputs_only_ = false;  ///< a pass ended with golden steering: only its outputs carry the fault
  bool end_checked_ = false;   ///< the current pass's end has been compared
  bool outputs_stale_ = false;
  bool stalled_ = false;  ///< the RTL job was aborted because the pass provably never ends
  std::optional<std::pair<int, DutState>> last_busy_;  ///< the last busy checkpoint state seen, and its pass
  std::optional<std::pair<int, uint64_t>> converged_at_;
  int flips_ = 0;
  ProtectionEvents events_;
  std::vector<int> golden_reruns_;
  std::vector<std::string> pass_layers_;
};

}  // namespace flipsim
