// Architectural model: the accelerator's buffers word by word and the controller's tile loop, bit-exact
// with the RTL. It answers "what is in each buffer at the end of tile t", which the golden functional
// model cannot.
#pragma once

#include <functional>
#include <vector>

#include "model/accel/accel_config.h"
#include "model/accel/engine.h"
#include "model/accel/layer_plan.h"
#include "rtl/fs_pkg.h"

namespace flipsim {

/// The on-chip buffers, numbered as the RTL's fs_pkg::buffer_e (the SRAM fault port's buffer id); the models
/// index arrays with them, so the ids must be 0..kNumBuffers-1.
enum class Buffer {
  kAbuf = fs_pkg::BufAbuf,
  kWbuf = fs_pkg::BufWbuf,
  kBbuf = fs_pkg::BufBbuf,
  kAccbuf = fs_pkg::BufAccbuf,
  kObuf = fs_pkg::BufObuf,
};
constexpr int kNumBuffers = fs_pkg::buffer_e_count;
static_assert(int(Buffer::kAbuf) < kNumBuffers && int(Buffer::kWbuf) < kNumBuffers &&
                  int(Buffer::kBbuf) < kNumBuffers && int(Buffer::kAccbuf) < kNumBuffers &&
                  int(Buffer::kObuf) < kNumBuffers,
              "fs_pkg::buffer_e must number the buffers 0..N-1");
const char* buffer_name(Buffer b);

/// Words of `b` the host loads for a pass, from address 0 (pass_words); 0 for accbuf and obuf, which the host
/// never loads: the controller writes each of their words in the pass before it reads it.
size_t loaded_words(const PassWords& words, Buffer b);

/// Position of the controller when a tile finishes.
struct TileEnd {
  int n_tile = 0;  ///< output-channel tile within the pass
  int k_tile = 0;  ///< K tile (ky, kx, channel block), 0-based
};

class ArchModel {
 public:
  explicit ArchModel(const AccelConfig& config);
  /// Back to the state it was constructed in (every stored word zero, no read observer), in the same memory: a
  /// bit-error-rate campaign runs one model per injection, and allocating its words was a tenth of the campaign.
  void clear();

  const AccelConfig& config() const { return config_; }
  std::vector<BufferWord>& buffer(Buffer b) { return buffers_[int(b)]; }
  const std::vector<BufferWord>& buffer(Buffer b) const { return buffers_[int(b)]; }
  /// Writes `image` at addresses 0..image.size()-1 (values wrapped to the lane width).
  void load(Buffer b, const std::vector<BufferWord>& image);

  /// A row the post-processing unit requantizes on the last K tile: its output-buffer address and its
  /// accumulators (what the RTL's PPU observation taps show).
  using RequantObserver = std::function<void(uint32_t obuf_addr, const std::vector<int64_t>& sums)>;

  /// Sees every word the controller reads, as the RTL's read enables: the activations of in-image pixels, every
  /// weight and bias word (and clip word), the partial-sum word of every row of every tile. What a decoder on the
  /// read path checks, and so what can raise its flags.
  using ReadObserver = std::function<void(Buffer b, size_t addr)>;
  void observe_reads(ReadObserver observer) { on_read_ = std::move(observer); }

  /// Runs one descriptor as the controller does; `on_tile_end` sees the buffers after every tile.
  void execute(const Descriptor& desc, const std::function<void(const TileEnd&)>& on_tile_end = {},
               const RequantObserver& on_requantize = {});

 private:
  int lane_bits(Buffer b) const;

  AccelConfig config_;
  std::vector<BufferWord> buffers_[kNumBuffers];
  ReadObserver on_read_;
};

/// Runs layers through the architectural model, pass by pass as the RTL driver does.
class ArchEngine : public ConvEngine {
 public:
  explicit ArchEngine(const AccelConfig& config) : model_(config) {}
  FeatureMap run(const FeatureMap& input, const ConvLayer& layer, LayerRun* run = nullptr) override;
  std::string name() const override { return "arch"; }
  ArchModel& model() { return model_; }

 private:
  ArchModel model_;
};

}  // namespace flipsim
