#include "sim/campaign/ber_arch_engine.h"

#include <algorithm>
#include <map>

#include "model/accel/buffer_code.h"
#include "model/accel/requant.h"

namespace flipsim {

namespace {

/// What the decoders report when the pass reads a flipped word (any of its lanes).
struct FlippedWord {
  bool detected = false, corrected = false;
};

}  // namespace

BerArchEngine::BerArchEngine(ArchModel& model, const SiteMap& map, const Injection& injection,
                             GoldenLayer golden_layer, ObservedRows* observed,
                             const std::vector<GoldenLayerRun>* golden_runs)
    : model_(model),
      map_(map),
      injection_(injection),
      golden_layer_(std::move(golden_layer)),
      observed_(observed),
      golden_runs_(golden_runs) {
  model_.clear();
}

FeatureMap BerArchEngine::run(const FeatureMap& input, const ConvLayer& layer, LayerRun* run) {
  const AccelConfig& config = model_.config();
  const Protection& protection = config.protection;
  const LayerPlan plan = plan_layer(input.height, input.width, layer, config);
  const int index_of_layer = layers_++;
  const int first_pass = int(pass_layers_.size());
  std::vector<std::vector<SramFault>> faults;
  bool reaches_data = false;  // some flip lands in a word the pass reads, or a decoder may see it
  for (const LayerPass& pass : plan.passes) {
    faults.push_back(draw_ber_faults(injection_, map_, int(pass_layers_.size())));
    pass_layers_.push_back(layer.name);
    flips_ += int(faults.back().size());
    const PassWords words = pass_words(plan, pass, config);
    // accbuf and obuf words are written in the pass before their data is used: flips there are overwritten. A
    // partial-sum word is read (and decoded) before its first write, though.
    for (const SramFault& f : faults.back())
      reaches_data |= f.word < loaded_words(words, Buffer(f.buffer)) ||
                      protection.buffer[size_t(f.buffer)] != Code::kNone;
  }
  if (run) {
    run->cycles = 0;
    run->macs = layer.macs(input.height, input.width);
  }
  // The architectural model computes as the golden one does (tests/model/accel/arch_model_test.cpp): a layer no
  // flip reaches is the golden model's for its input.
  if (!reaches_data)
    return golden_output(golden_layer_(layer.name, input), config, layer, input,
                         golden_runs_ ? &(*golden_runs_)[size_t(index_of_layer)] : nullptr);

  FeatureMap output(plan.out_h, plan.out_w, layer.out_channels);
  for (size_t p = 0; p < plan.passes.size(); ++p) {
    const LayerPass& pass = plan.passes[p];
    const int pass_index = first_pass + int(p);
    auto execute = [&](const std::vector<SramFault>& pass_faults) {
      model_.load(Buffer::kAbuf, abuf_image(input, plan, pass, config));
      model_.load(Buffer::kWbuf, wbuf_image(layer, plan, pass, config));
      model_.load(Buffer::kBbuf, bbuf_image(layer, pass, config));
      // The flips of one stored lane, data bits then check bits (two flips of one bit cancel, as in the SRAM).
      std::map<std::tuple<int, uint32_t, int>, uint64_t> lane_flips;
      for (const SramFault& f : pass_faults) lane_flips[{f.buffer, f.word, f.lane}] ^= f.flip_mask;
      std::map<std::pair<int, uint32_t>, FlippedWord> flipped;
      for (const auto& [at, mask] : lane_flips) {
        const auto [buffer, word, lane] = at;
        const int width = map_.lane_bits(Buffer(buffer));
        int64_t& value = model_.buffer(Buffer(buffer))[word][size_t(lane)];
        // Loaded words hold what the host wrote; the others what the buffer last stored, coded alike.
        const DecodedLane read = read_flipped_lane(protection.buffer[size_t(buffer)],
                                                   protection.on_detect == OnDetect::kZero, uint64_t(value), mask, width);
        // Neither the host nor the controller writes a loaded word during the pass: every read returns this.
        value = wrap_to_bits(int64_t(read.data), width);
        FlippedWord& w = flipped[{buffer, word}];
        w.detected |= read.detected;
        w.corrected |= read.corrected;
      }
      // The decoders flag what the pass reads; a partial-sum word stops reporting once the pass rewrites it. Without
      // a flagged word there is nothing to watch (a look-up per read was a sixth of a bit-error-rate campaign).
      bool detected = false, corrected = false;
      const bool flagged = std::any_of(flipped.begin(), flipped.end(),
                                       [](const auto& f) { return f.second.detected || f.second.corrected; });
      if (flagged)
        model_.observe_reads([&](Buffer b, size_t addr) {
          const auto it = flipped.find({int(b), uint32_t(addr)});
          if (it == flipped.end()) return;
          detected |= it->second.detected;
          corrected |= it->second.corrected;
          if (b == Buffer::kAccbuf) flipped.erase(it);
        });
      model_.execute(pass.desc, {}, [&](uint32_t addr, const std::vector<int64_t>& sums) {
        if (observed_) (*observed_)[{pass_index, addr}] = sums;
      });
      if (flagged) model_.observe_reads({});
      return std::make_pair(detected, corrected);
    };
    auto [detected, corrected] = execute(faults[p]);
    // The host reruns a flagged pass from fresh loads, which rewrite every flipped word (testbench/layer_driver).
    for (int retry = 0; detected && protection.on_detect == OnDetect::kRecompute && retry < protection.max_retries;
         ++retry) {
      ++events_.recomputes;
      const auto rerun = execute({});
      detected = rerun.first;
      corrected = corrected || rerun.second;
    }
    events_.detected_passes += detected ? 1 : 0;
    events_.corrected_passes += corrected ? 1 : 0;
    const auto& obuf = model_.buffer(Buffer::kObuf);
    scatter_obuf(std::vector<BufferWord>(obuf.begin(), obuf.begin() + size_t(pass.m_count) * pass.n_tiles), plan,
                 pass, config, output);
  }
  return output;
}

}  // namespace flipsim
