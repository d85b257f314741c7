// Architectural model: the accelerator's buffers word by word and the controller's tile loop, bit-exact
// with the RTL. It answers "what is in each buffer at the end of tile t", which the golden functional
// model cannot.
#pragma once

#include <functional>
#include <vector>

#include "model/accel/accel_config.h"
#include "model/accel/engine.h"
#include "model/accel/layer_plan.h"

namespace flipsim {

enum class Buffer { kAbuf = 0, kWbuf, kBbuf, kAccbuf, kObuf };
constexpr int kNumBuffers = 5;
const char* buffer_name(Buffer b);

/// Position of the controller when a tile finishes.
struct TileEnd {
  int n_tile = 0;  ///< output-channel tile within the pass
  int k_tile = 0;  ///< K tile (ky, kx, channel block), 0-based
};

class ArchModel {
 public:
  explicit ArchModel(const AccelConfig& config);

  const AccelConfig& config() const { return config_; }
  std::vector<BufferWord>& buffer(Buffer b) { return buffers_[int(b)]; }
  const std::vector<BufferWord>& buffer(Buffer b) const { return buffers_[int(b)]; }
  /// Writes `image` at addresses 0..image.size()-1 (values wrapped to the lane width).
  void load(Buffer b, const std::vector<BufferWord>& image);

  /// Runs one descriptor as the controller does; `on_tile_end` sees the buffers after every tile.
  void execute(const Descriptor& desc, const std::function<void(const TileEnd&)>& on_tile_end = {});

 private:
  int lane_bits(Buffer b) const;

  AccelConfig config_;
  std::vector<BufferWord> buffers_[kNumBuffers];
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
