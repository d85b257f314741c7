// The RTL-level register model: a transient flip of one bit of a PE's weight, activation or partial-sum register (or
// of an array-edge stage's data) at a uniformly random busy cycle of an inference, or of stored bits of an input
// buffer word, carried to the data through the array's dataflow and the controller's schedule
// (docs/architecture.md), then through the network by the bit-exact software fault simulation.
//
// Weight-stationary, one output pixel streamed per cycle: in K tile kt, pixel m's multiply-accumulate at PE (r, c)
// happens in tile cycle rows + m + r + c (after `rows` weight-load cycles, the input skew of lane r and c
// activation registers), so each PE holds each pixel's operands exactly once per tile. An upset latched
// at cycle k (the fault port flips the value a register takes at that edge) then does:
//  - psum (r, c): pixel m's partial sum of this tile, sum over rows r' <= r of x w, has one bit flipped; the
//    accumulation after it is linear, so pixel m's accumulator of channel c changes by that flip's delta;
//  - act (r, c): pixel m's activation of row r, on its way right, reaches columns c+1 .. cols-1 flipped: each of
//    their accumulators changes by (x' - x) w;
//  - weight (r, c): held, it multiplies every pixel whose product comes later in the tile: (w' - w) x for each;
//    during the weight load it shifts down with the rest and ends in a lower row (or out of the array);
//  - skew lane r, stage s: pixel m's activation of row r before column 0: every column's accumulator changes;
//  - deskew lane c, stage s: pixel m's finished sum of column c: its accumulator changes by the flip's delta;
//  - the controller's column-sum register of lane c (the array's deskewed output, one cycle later) likewise;
//  - the controller's bias register of lane c, loaded at the output-channel tile's second cycle and held: every
//    pixel whose first-K-tile sum is formed after the upset adds the flipped bias;
//  - the PPU's accumulator register of lane c, on the last K tile: that pixel's final accumulator is flipped.
// (The edge registers' valid bits, like the controller's counters and the PPU's valid and address, steer the
// writes; they are not data and not carried here.)
// A flipped word of the activation, weight or bias buffer is read flipped by every read after the upset in its pass
// (the schedule times each read; the host reloads the word before a later pass reads it). A flipped partial sum in
// the accumulator buffer is read once, by the next K tile, if it was written before the upset; a flipped output
// word, written before the upset, is what the host reads back after the pass. (An upset in the very cycle the word
// is written is not carried: the RTL's fault write replaces that cycle's data write, and the same holds for the
// settling write the injector adds to the buffer's last word the cycle after an upset.)
// Cycles outside a pixel's slot, columns beyond the layer's output channels and rows beyond its input channels
// (zero operands) change nothing; so do upsets in the cycles between output-channel tiles (the weights are
// reloaded before their next use). The mapping is exact: tests/rtl/register_model_rtl_test.cpp holds the outputs
// it predicts to the RTL's, bit for bit, for random upsets of every kind on every compiled array shape.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "model/accel/accel_config.h"
#include "model/accel/arch_model.h"
#include "model/accel/layer_plan.h"
#include "model/nn/qnetwork.h"
#include "model/soft_error/sw_fault_sim.h"

namespace flipsim::model {

/// The PE's three data registers, the array edge's (a stage of the input skew, an activation on its way to
/// column 0, or of the output deskew, a column's finished partial sum on its way to the controller), the
/// controller's per-lane bias and column-sum registers and the PPU's accumulator lanes.
enum class ArrayRegister { kWeight, kAct, kPsum, kSkew, kDeskew, kBias, kColumnSum, kPpuAcc };
constexpr int kNumArrayRegisters = 8;

/// "pe_weight", "pe_act", "pe_psum", "array_edge" (both edges), "ctrl" (bias, column sum), "ppu": the campaigns'
/// site-class names.
const char* array_register_name(ArrayRegister reg);

/// What a fault does to the masked bits of the value a register latches: flips them, or forces them to 0 or 1.
enum class BitAction { kFlip, kStuckAt0, kStuckAt1 };

/// One upset: bits of one register, latched at a busy cycle of the inference (0 = the first pass's first). A PE's
/// register is at (row, col); a skew stage at row = its lane (array row), col = its stage; a deskew stage at
/// col = its lane (array column), row = its stage; a controller or PPU lane at col = the lane. A stuck-at holds
/// for `hold` cycles: every value the register latches in them has its bits forced (and a held value keeps them
/// until the register is next written).
struct RegisterUpset {
  ArrayRegister reg = ArrayRegister::kPsum;
  int row = 0, col = 0;
  uint64_t mask = 1;  ///< the register's bits that flip or are forced
  uint64_t cycle = 0;
  BitAction action = BitAction::kFlip;
  uint64_t hold = 1;  ///< cycles the action applies (a flip: 1)
};

/// An upset of stored bits of a buffer word at a busy cycle: every read of the word later in its pass returns the
/// flipped lane (the host reloads the input buffers before the next pass; the accumulator and output buffers are
/// written before they are read again).
struct BufferUpset {
  Buffer buffer = Buffer::kAbuf;
  int word = 0, lane = 0;
  uint64_t mask = 1;  ///< the lane's data bits that flip
  uint64_t cycle = 0;
};

/// A change to one accumulator lane of a pass, as the post-processing unit sees it: pass pixel m, output-channel
/// tile n_tile of the pass, array column col (lanes beyond the layer's channels included); or, for an upset output
/// word, the bits of the requantized output that flip after the PPU.
struct LaneChange {
  int pass = 0;  ///< pass of the inference (the schedule's order)
  int m = 0, n_tile = 0, col = 0;
  int64_t delta = 0;
  uint64_t output_mask = 0;
};

/// The passes of a sequence of accelerator layers on the array, in order, with their busy cycles
/// (pass_busy_cycles()).
class ArraySchedule {
 public:
  /// `layers[l]` runs on inputs of in_shapes[l] = {height, width} (the layers must outlive the schedule).
  ArraySchedule(const std::vector<const ConvLayer*>& layers, const std::vector<std::pair<int, int>>& in_shapes,
                const AccelConfig& accel);
  /// Every accelerator layer of `net`, in accel_ops() order.
  ArraySchedule(const nn::QNetwork& net, const AccelConfig& accel);
  uint64_t busy_cycles() const { return total_; }
  /// Busy cycles of every pass, in order (the RTL's fault-free timeline).
  std::vector<uint64_t> pass_cycles() const;
  /// Register width of a class (the data width for weights and activations, else the accumulator width).
  int width(ArrayRegister reg) const;
  /// Whether lane_changes() answers `upset`: a single latch, a stuck-at whose cycles all fall in one pass (its
  /// effect then stays in that pass, whose input is fault-free), or a permanent one (hold 0: forced in every pass,
  /// on the input each pass reads). A stuck-at that ends in a later pass than it starts is not: where it ends
  /// depends on the host's cycles between passes, which the schedule does not count.
  bool carries(const RegisterUpset& upset) const;
  /// What `upset` does to the accumulators, for layer inputs `inputs` (one per layer, fault-free): empty when
  /// it is masked.
  std::vector<AccumulatorChange> effect(const RegisterUpset& upset, const std::vector<const FeatureMap*>& inputs) const;
  /// What a buffer upset does to the accumulators (nullopt when carries() says no).
  std::optional<std::vector<AccumulatorChange>> effect(const BufferUpset& upset,
                                                       const std::vector<const FeatureMap*>& inputs) const;
  /// The same lane by lane, for `input`, the fault-free input of the layer the upset's pass belongs to (an upset
  /// carries() answers, not a permanent one).
  std::vector<LaneChange> lane_changes(const RegisterUpset& upset, const FeatureMap& input) const;
  /// What `upset` does to pass `pass`, for `input`, the input that pass's layer reads: a permanent stuck-at forces
  /// every value the register latches in every pass (what a pass reads may already carry earlier passes' changes);
  /// any other upset changes its own pass only.
  std::vector<LaneChange> lane_changes(const RegisterUpset& upset, int pass, const FeatureMap& input) const;
  /// What a buffer upset does, lane by lane (nullopt when carries() says no).
  std::optional<std::vector<LaneChange>> buffer_changes(const BufferUpset& upset, const FeatureMap& input) const;
  /// Whether buffer_changes() answers `upset`: any activation or weight word, a bias word but not a clip word (its
  /// flip is no accumulator change), an accumulator or output word unless the upset is in a cycle that writes it
  /// (or the buffer's last word).
  bool carries(const BufferUpset& upset) const;
  /// The pass busy cycle `cycle` falls in, and the layer (position in the sequence) of a pass.
  int pass_at(uint64_t cycle) const;
  int layer_of_pass(int pass) const { return spans_[size_t(pass)].layer; }
  int passes() const { return int(spans_.size()); }
  /// The plan of layer `layer` (position in the sequence).
  const LayerPlan& layer_plan(int layer) const;
  /// Pass `pass` of the inference as its layer's plan has it (its descriptor among the rest).
  const LayerPass& layer_pass(int pass) const { return spans_[size_t(pass)].pass; }

 private:
  struct Span {
    int layer = 0;  ///< position in the layer sequence
    LayerPlan plan;
    LayerPass pass;
    PassTiming timing;
    uint64_t first = 0;  ///< the pass's first busy cycle in the sequence
  };
  /// A K tile's kernel position and channel block: the controller walks the blocks innermost, then kx, then ky.
  struct KTile {
    int ky = 0, kx = 0, cb = 0;
  };
  KTile k_tile(const Span& s, int kt) const;
  /// The activation at (iy, ix) of channel ci (0 in padding and beyond the channels).
  int32_t activation_at(const ConvLayer& l, const FeatureMap& in, int iy, int ix, int ci) const;
  /// The activation of row `row` in K tile `kt` for pass pixel `m` (0 in padding and beyond the channels).
  int32_t activation(const Span& s, const FeatureMap& in, int kt, int m, int row) const;
  /// The weight of row `row`, column `col` of output-channel tile `nt` in K tile `kt` (0 beyond the layer).
  int32_t weight(const Span& s, int nt, int kt, int row, int col) const;
  /// Pixel m's sum down column `col` over the first `rows` rows in K tile kt (wrapped at the accumulator width).
  int64_t column_sum(const Span& s, const FeatureMap& in, int nt, int kt, int m, int col, int rows) const;
  /// The bias lane `col` of output-channel tile nt holds (0 beyond the layer's channels).
  int64_t bias_lane(const Span& s, int nt, int col) const;
  /// Pixel m's partial sum of lane `col` after K tile kt: the bias and the column sums of K tiles 0 .. kt.
  int64_t partial_sum(const Span& s, const FeatureMap& in, int nt, int kt, int m, int col) const;
  /// What the value `upset.reg` latches at `upset.cycle` does, lane by lane (hold ignored).
  std::vector<LaneChange> latch_changes(const RegisterUpset& upset, const FeatureMap& input) const;
  /// Whether `reg` latches a new value at `cycle`: a weight register in its K tile's weight load, the bias
  /// register at its latch cycle, the others every cycle (a stuck-at forces each value it latches).
  bool latches_at(ArrayRegister reg, uint64_t cycle) const;
  /// The layers' accumulator changes of lane changes (the lanes beyond a layer's channels dropped).
  std::vector<AccumulatorChange> accumulator_changes(const std::vector<LaneChange>& lanes) const;
  /// Where a busy cycle falls: its pass (-1 beyond the schedule), output-channel tile and cycle within it, and past
  /// the tile's setup its K tile and cycle within that (k_tile -1 in the setup).
  struct TileCycle {
    int pass = -1, n_tile = 0, k_tile = -1;
    uint64_t in_n_tile = 0;
    int64_t in_k_tile = 0;
  };
  TileCycle tile_cycle(uint64_t cycle) const;
  /// Whether the pass of `cycle` writes `word` of `buffer` in that cycle (the accumulator and output buffers; the
  /// host writes the others between passes).
  bool written_at(Buffer buffer, int word, uint64_t cycle) const;

  std::vector<const ConvLayer*> layers_;
  AccelConfig accel_;
  std::vector<Span> spans_;
  uint64_t total_ = 0;
};

}  // namespace flipsim::model
