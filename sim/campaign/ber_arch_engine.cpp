#include "sim/campaign/ber_arch_engine.h"

#include "model/accel/requant.h"

namespace flipsim {

BerArchEngine::BerArchEngine(const AccelConfig& config, const SiteMap& map, const Injection& injection,
                             GoldenLayer golden_layer, ObservedRows* observed)
    : model_(config), map_(map), injection_(injection), golden_layer_(std::move(golden_layer)), observed_(observed) {}

FeatureMap BerArchEngine::run(const FeatureMap& input, const ConvLayer& layer, LayerRun* run) {
  const AccelConfig& config = model_.config();
  const LayerPlan plan = plan_layer(input.height, input.width, layer, config);
  const int first_pass = int(pass_layers_.size());
  std::vector<std::vector<SramFault>> faults;
  bool reaches_data = false;  // some flip lands in a word the pass reads
  for (const LayerPass& pass : plan.passes) {
    faults.push_back(draw_ber_faults(injection_, map_, int(pass_layers_.size())));
    pass_layers_.push_back(layer.name);
    flips_ += int(faults.back().size());
    const PassWords words = pass_words(plan, pass, config);
    // accbuf and obuf words are written in the pass before anything reads them: flips there are overwritten.
    for (const SramFault& f : faults.back()) reaches_data |= f.word < loaded_words(words, Buffer(f.buffer));
  }
  if (run) {
    run->cycles = 0;
    run->macs = layer.macs(input.height, input.width);
  }
  if (!reaches_data)
    if (const FeatureMap* golden = golden_layer_(layer.name, input)) return *golden;

  FeatureMap output(plan.out_h, plan.out_w, layer.out_channels);
  for (size_t p = 0; p < plan.passes.size(); ++p) {
    const LayerPass& pass = plan.passes[p];
    model_.load(Buffer::kAbuf, abuf_image(input, plan, pass, config));
    model_.load(Buffer::kWbuf, wbuf_image(layer, plan, pass, config));
    model_.load(Buffer::kBbuf, bbuf_image(layer, pass, config));
    for (const SramFault& f : faults[p]) {
      int64_t& lane = model_.buffer(Buffer(f.buffer))[f.word][size_t(f.lane)];
      lane = wrap_to_bits(lane ^ int64_t(f.flip_mask), map_.lane_bits(Buffer(f.buffer)));
    }
    const int pass_index = first_pass + int(p);
    model_.execute(pass.desc, {}, [&](uint32_t addr, const std::vector<int64_t>& sums) {
      if (observed_) (*observed_)[{pass_index, addr}] = sums;
    });
    const auto& obuf = model_.buffer(Buffer::kObuf);
    scatter_obuf(std::vector<BufferWord>(obuf.begin(), obuf.begin() + size_t(pass.m_count) * pass.n_tiles), plan,
                 pass, config, output);
  }
  return output;
}

}  // namespace flipsim
