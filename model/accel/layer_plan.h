// How the host driver splits a layer into passes that fit the accelerator, and the exact buffer images
// (word by word, lane by lane) each pass loads. The RTL driver and the architectural model both use it,
// so "what is in the weight buffer at address a during pass p" has one answer.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "model/accel/accel_config.h"
#include "model/accel/layer.h"
#include "rtl/fs_pkg.h"

namespace flipsim {

/// Descriptor register indices: fs_pkg::desc_field_e of the RTL package under the names the C++ code uses.
enum DescField : int {
  kDescInH = fs_pkg::DescInH,
  kDescInW = fs_pkg::DescInW,
  kDescInCb = fs_pkg::DescInCb,
  kDescKernelH = fs_pkg::DescKernelH,
  kDescKernelW = fs_pkg::DescKernelW,
  kDescStride = fs_pkg::DescStride,
  kDescPad = fs_pkg::DescPad,
  kDescOutW = fs_pkg::DescOutW,
  kDescOyStart = fs_pkg::DescOyStart,
  kDescOxStart = fs_pkg::DescOxStart,
  kDescMCount = fs_pkg::DescMCount,
  kDescNTiles = fs_pkg::DescNTiles,
  kDescAbufBase = fs_pkg::DescAbufBase,
  kDescWbufBase = fs_pkg::DescWbufBase,
  kDescBbufBase = fs_pkg::DescBbufBase,
  kDescObufBase = fs_pkg::DescObufBase,
  kDescRqMult = fs_pkg::DescRqMult,
  kDescRqShift = fs_pkg::DescRqShift,
  kDescRqZero = fs_pkg::DescRqZero,
  kDescRelu = fs_pkg::DescRelu,
  kNumDescFields = fs_pkg::NumDescRegs
};
// Every register has a name here: the package's count is one past its last field.
static_assert(kNumDescFields == fs_pkg::desc_field_e_count - 1, "a descriptor field of fs_pkg is not named here");

using Descriptor = std::array<uint32_t, kNumDescFields>;

/// One run of the controller: a range of output pixels for a range of output-channel tiles.
struct LayerPass {
  int n_tile_begin = 0;  ///< first output-channel tile (of cols channels)
  int n_tiles = 0;
  int m_begin = 0;       ///< first output pixel (row-major)
  int m_count = 0;
  /// Input pixels (row-major) held in the activation buffer: [in_pixel_begin, in_pixel_begin + in_pixels).
  /// The descriptor's abuf base is -in_pixel_begin * channel_blocks, modulo the depth.
  int in_pixel_begin = 0;
  int in_pixels = 0;
  Descriptor desc{};
};

/// A word of a buffer: one value per lane (data or accumulator width, sign-extended into int64).
using BufferWord = std::vector<int64_t>;

struct LayerPlan {
  int in_h = 0, in_w = 0;
  int out_h = 0, out_w = 0;
  int channel_blocks = 0;  ///< ceil(in_channels / rows)
  int k_tiles = 0;         ///< kernel_h * kernel_w * channel_blocks
  int n_tiles = 0;         ///< ceil(out_channels / cols)
  bool clip = false;       ///< the PPU clips the outputs: each pass's clip words follow its biases
  std::vector<LayerPass> passes;

  /// Bias-buffer words per output-channel tile: its biases, and its clip bounds when clipping.
  int bbuf_words_per_n_tile() const { return clip ? 2 : 1; }
};

/// Splits a layer over output-channel tiles and output pixels so that every pass fits the buffers.
/// Throws ConfigError when the layer cannot be run (e.g. one output-channel tile's weights exceed wbuf).
LayerPlan plan_layer(int in_h, int in_w, const ConvLayer& layer, const AccelConfig& config);

/// How many words of the activation, weight and bias buffers one pass loads, from address 0 (the sizes of the
/// images below). The controller reads no others, so a stored bit beyond them is never read in the pass.
struct PassWords {
  size_t abuf = 0, wbuf = 0, bbuf = 0;
};
PassWords pass_words(const LayerPlan& plan, const LayerPass& pass, const AccelConfig& config);

/// Where one pass spends its busy cycles, as fs_ctrl's state machine does: per output-channel tile, `n_tile_setup`
/// cycles (the bias read, the clip read when clipping, and one more), then its K tiles of `k_tile` cycles each:
/// `rows` of weight loading, one per output pixel streamed, and the drain until the last pixel's partial sums are
/// written (rows + cols + 2: the skew, the array, the deskew and the accumulation register).
/// tests/rtl/rtl_layer_test.cpp holds the total to the RTL.
struct PassTiming {
  uint64_t n_tiles = 0, k_tiles = 0;
  uint64_t n_tile_setup = 0, k_tile = 0;
  uint64_t n_tile() const { return n_tile_setup + k_tiles * k_tile; }
  /// Cycle, from the pass's first, at which K tile `kt` of output-channel tile `nt` begins.
  uint64_t k_tile_start(int nt, int kt) const { return uint64_t(nt) * n_tile() + n_tile_setup + uint64_t(kt) * k_tile; }
  uint64_t busy_cycles() const { return n_tiles * n_tile(); }
};
PassTiming pass_timing(const LayerPlan& plan, const LayerPass& pass, const AccelConfig& config);
/// pass_timing(...).busy_cycles().
uint64_t pass_busy_cycles(const LayerPlan& plan, const LayerPass& pass, const AccelConfig& config);

/// Buffer images for one pass (word index = address, starting at 0).
std::vector<BufferWord> abuf_image(const FeatureMap& input, const LayerPlan& plan, const LayerPass& pass,
                                   const AccelConfig& config);
std::vector<BufferWord> wbuf_image(const ConvLayer& layer, const LayerPlan& plan, const LayerPass& pass,
                                   const AccelConfig& config);
/// The pass's biases, one word per output-channel tile, then (when the layer clips) one clip word per tile.
std::vector<BufferWord> bbuf_image(const ConvLayer& layer, const LayerPass& pass, const AccelConfig& config);

/// A clip word's lane (fs_pkg's DescRelu notes): {hi, lo}, each data_bits wide, in the lane's low bits.
int64_t clip_lane(const ClipRange& range, int data_bits, int acc_bits);
ClipRange clip_range_of_lane(int64_t lane, int data_bits);

/// Scatters a pass's output-buffer words (m_count * n_tiles words of cols lanes) into the output map.
void scatter_obuf(const std::vector<BufferWord>& obuf, const LayerPlan& plan, const LayerPass& pass,
                  const AccelConfig& config, FeatureMap& output);

}  // namespace flipsim
