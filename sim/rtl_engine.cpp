#include "sim/rtl_engine.h"

#include "accel/requant.h"
#include "sim/harness.h"

namespace flipsim {

namespace {

/// Writes buffer words through the host port, packing as many lanes into each 64-bit beat as fit.
void write_buffer(HostPort& port, Region region, const std::vector<BufferWord>& words, int lane_bits) {
  const int per_beat = 64 / lane_bits;
  const uint64_t mask = lane_bits == 64 ? ~uint64_t(0) : (uint64_t(1) << lane_bits) - 1;
  for (size_t a = 0; a < words.size(); ++a) {
    const BufferWord& w = words[a];
    for (size_t lane = 0; lane < w.size(); lane += per_beat) {
      uint64_t beat = 0;
      for (int slot = 0; slot < per_beat && lane + slot < w.size(); ++slot)
        beat |= (uint64_t(w[lane + slot]) & mask) << (slot * lane_bits);
      port.write(host_address(region, uint32_t(a), uint32_t(lane)), beat);
    }
  }
}

std::vector<BufferWord> read_buffer(HostPort& port, Region region, size_t count, int lanes, int lane_bits) {
  const int per_beat = 64 / lane_bits;
  const uint64_t mask = (uint64_t(1) << lane_bits) - 1;
  std::vector<BufferWord> words(count, BufferWord(lanes, 0));
  for (size_t a = 0; a < count; ++a)
    for (int lane = 0; lane < lanes; lane += per_beat) {
      const uint64_t beat = port.read(host_address(region, uint32_t(a), uint32_t(lane)));
      for (int slot = 0; slot < per_beat && lane + slot < lanes; ++slot)
        words[a][lane + slot] = wrap_to_bits(int64_t((beat >> (slot * lane_bits)) & mask), lane_bits);
    }
  return words;
}

}  // namespace

RtlEngine::RtlEngine(const AccelConfig& config, const RtlOptions& options)
    : config_(config), harness_(std::make_unique<Harness>(config, HarnessOptions{options.trace_file})) {}

RtlEngine::~RtlEngine() = default;

FeatureMap RtlEngine::run(const FeatureMap& input, const ConvLayer& layer, LayerRun* run) {
  const LayerPlan plan = plan_layer(input.height, input.width, layer, config_);
  FeatureMap output(plan.out_h, plan.out_w, layer.out_channels);
  uint64_t cycles = 0;
  for (const LayerPass& pass : plan.passes) {
    std::vector<BufferWord> obuf;
    bool hung = false;
    harness_->run([&](HostPort& port) {
      write_buffer(port, Region::kAbuf, abuf_image(input, plan, pass, config_), config_.data_bits);
      write_buffer(port, Region::kWbuf, wbuf_image(layer, plan, pass, config_), config_.data_bits);
      write_buffer(port, Region::kBbuf, bbuf_image(layer, pass, config_), config_.acc_bits);
      for (int f = 0; f < kNumDescFields; ++f) port.write(host_address(Region::kRegs, kRegDescBase + f), pass.desc[f]);
      port.write(host_address(Region::kRegs, kRegCtrl), 1);
      if (!port.wait_idle(config_.watchdog_cycles)) {
        hung = true;
        return;
      }
      if ((port.read(host_address(Region::kRegs, kRegStatus)) & 2) == 0)
        throw std::runtime_error("accelerator went idle without reporting done");
      cycles += port.read(host_address(Region::kRegs, kRegLayerCycles));
      obuf = read_buffer(port, Region::kObuf, size_t(pass.m_count) * pass.n_tiles, config_.cols, config_.data_bits);
    });
    if (hung) {
      harness_->reset();
      throw HangError("layer '" + layer.name + "' did not finish within " + std::to_string(config_.watchdog_cycles) +
                      " cycles");
    }
    scatter_obuf(obuf, plan, pass, config_, output);
  }
  if (run) {
    run->cycles = cycles;
    run->macs = layer.macs(input.height, input.width);
  }
  return output;
}

std::unique_ptr<ConvEngine> make_rtl_engine(const AccelConfig& config, const RtlOptions& options) {
  return std::make_unique<RtlEngine>(config, options);
}

}  // namespace flipsim
