// Software-level fault simulation: bit flips in stored weights, layer-input activations, biases and clip ranges,
// run through the bit-exact integer model of the network with incremental recomputation.
//
// Per image, the fault-free ("golden") activations of every value and the accumulators of every accelerator layer
// are computed once. An injection then starts at the first accelerator layer holding a flipped bit and recomputes
// only outputs that can differ: for a convolution, a changed input adds w * (x' - x) to the golden accumulators of
// the outputs whose window holds it, and an output channel with a flipped weight or bias is recomputed whole; host ops
// (pooling, ReLU, padding, flattening) recompute only the outputs that read a changed input, global pooling and
// residual adds the whole map, and only when an input differs. A change that is masked
// (rounded away, clipped by ReLU or saturation, not the max of its pooling window) stops there, and an injection
// whose changes all die out costs nothing further. The result equals rerunning the whole network with the flips
// applied (run_full(), which the tests hold it to).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "model/accel/accel_config.h"
#include "model/accel/layer.h"
#include "model/soft_error/fault_space.h"
#include "model/soft_error/int_conv.h"
#include "model/nn/idx_dataset.h"
#include "model/nn/qnetwork.h"

namespace flipsim::model {

/// What one injection did.
struct Injection {
  int top1 = -1;                ///< predicted class with the faults (first maximum on ties)
  int golden_top1 = -1;         ///< predicted class without them
  bool logits_changed = false;  ///< any logit differs from the golden run (silent data corruption)
  int ops_recomputed = 0;       ///< ops that ran (0: no flip); fewer than the network's when a change died out
};

/// A change to one accumulator of an accelerator layer, added before requantization (and wrapped at the
/// accumulator width): what an upset partial sum or an upset operand of a multiply-accumulate carries to the end of
/// its accumulation (the accumulation is linear). `output_mask`: bits of the requantized output that flip after
/// it (an upset output-buffer word).
struct AccumulatorChange {
  int layer = 0;       ///< position in QNetwork::accel_ops()
  uint32_t index = 0;  ///< output element, HWC index into the layer's output
  int64_t delta = 0;
  uint64_t output_mask = 0;
  bool operator<(const AccumulatorChange& o) const { return layer < o.layer || (layer == o.layer && index < o.index); }
};

/// Argmax of integer logits (first maximum on ties, as QNetwork::classify).
int top1_of(const std::vector<int32_t>& logits);

class SwFaultSim {
 public:
  /// Keeps a reference to `net` (which must outlive the simulator) and its own copy of the layer weights.
  SwFaultSim(const nn::QNetwork& net, const AccelConfig& accel);

  const nn::QNetwork& network() const { return net_; }

  /// Runs the fault-free network on `input` and caches every value for the injections that follow.
  void load_image(const FeatureMap& input);
  /// Every value of the golden run of the loaded image (index = value id).
  const std::vector<FeatureMap>& golden() const { return golden_; }
  /// The golden accumulators of every accelerator layer (accel_ops() order), bias included, not wrapped.
  const std::vector<std::vector<int64_t>>& golden_accumulators() const { return golden_acc_; }
  const std::vector<int32_t>& golden_logits() const { return golden_[size_t(net_.output_value)].data; }

  /// Applies `flips` (sites of the loaded image's run, any order, no duplicates) and recomputes what they change.
  /// The simulator is back to the golden state afterwards.
  Injection inject(const std::vector<BitFlip>& flips);
  /// The same with accumulator changes besides the flips (several changes of one accumulator add up).
  Injection inject(const std::vector<BitFlip>& flips, const std::vector<AccumulatorChange>& changes);
  /// The faulty logits of the last inject() (valid until the next call).
  const std::vector<int32_t>& last_logits() const { return last_logits_; }

  /// Reference: every value of a whole-network run of `input` with `flips` applied, through QNetwork::run and the
  /// golden engine (weights flipped in a copy of the network, input activations flipped as each layer reads them).
  std::vector<FeatureMap> run_full(const FeatureMap& input, const std::vector<BitFlip>& flips) const;

 private:
  void run_accel(size_t op_index, int layer, const BitFlip* begin, const BitFlip* end,
                 const AccumulatorChange* changes_begin, const AccumulatorChange* changes_end);
  void apply_changes(size_t op_index, int layer, const AccumulatorChange* begin, const AccumulatorChange* end);
  void run_host(size_t op_index);
  void flip_channel_word(IntConv& conv, const BitFlip& f) const;  // a bias or clip-range bit, in place
  bool run_host_sparse(const nn::QOp& op, const FeatureMap& in, const std::vector<uint32_t>& changed);
  void record(int value, FeatureMap&& fresh);  // stores a recomputed value and its differences from golden
  void touch(int value);

  const nn::QNetwork& net_;
  AccelConfig accel_;
  std::vector<size_t> accel_ops_;
  std::vector<int> layer_of_op_;  ///< accelerator layer position of each op, -1 for host ops
  std::vector<IntConv> convs_;    ///< per accelerator layer, with the weights faults are applied to

  std::vector<FeatureMap> golden_;
  std::vector<std::vector<int64_t>> golden_acc_;  ///< per accelerator layer, bias included, not wrapped
  std::vector<FeatureMap> work_;                  ///< equals golden_ except at diff_[v]
  std::vector<std::vector<uint32_t>> diff_;       ///< indices where work_[v] differs from golden_[v]
  std::vector<int> touched_;                      ///< values written by the current injection
  std::vector<int32_t> last_logits_;

  // Scratch reused by every injection, so that one costs what it changes rather than allocations and clears.
  // delta_, mark_ and flipped_channel_ are all zero between uses (sized by load_image for the largest layer).
  std::vector<int64_t> delta_;               ///< accumulator changes of one layer
  std::vector<uint8_t> mark_;                ///< output positions a sparse convolution touched
  std::vector<uint8_t> flipped_channel_;     ///< output channels written apart from the touched positions
  std::vector<uint32_t> touched_positions_;  ///< the positions marked in mark_
  std::vector<uint32_t> candidates_;         ///< changed input elements of a convolution
  std::vector<int> weight_channels_;         ///< output channels with a flipped weight but no bias or clip flip
  std::vector<int> whole_channels_;          ///< output channels with a flipped bias or clip range, recomputed
  struct WeightChange {
    int o, ky, kx, i;  ///< output channel, kernel position, input channel
    int32_t change;    ///< flipped minus stored value
  };
  std::vector<WeightChange> weight_changes_;  ///< the current layer's weight flips
  std::vector<uint32_t> pool_outputs_;       ///< pooling outputs whose window holds a changed input
  std::vector<BitFlip> sorted_flips_;        ///< the current injection's flips in site order
  std::vector<AccumulatorChange> sorted_changes_;  ///< the current injection's accumulator changes, by layer
};

/// Calls `visit(sim, i)` for every image i of `images`, loaded into `sim`, handing the images out one at a time to
/// `threads` workers with a simulator of their own. `visit` keeps what it finds per image, so that results do not
/// depend on the thread count.
void for_each_loaded_image(const nn::QNetwork& net, const AccelConfig& accel, const nn::ImageSet& images, int threads,
                           const std::function<void(SwFaultSim& sim, int image)>& visit);

}  // namespace flipsim::model
