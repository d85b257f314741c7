#include "sim/explore/ber_prediction.h"

#include <cmath>
#include <fmt/format.h>

#include "model/accel/arch_model.h"
#include "model/accel/buffer_code.h"
#include "model/common/config_error.h"
#include "model/soft_error/zeroed_values.h"
#include "model/soft_error/sweep_config.h"
#include "sim/campaign/fault_plan.h"
#include "sim/validate/campaign_prediction.h"

namespace flipsim {

namespace {

// Zeroing trials in all (over the campaign's images): a 95 % interval of about +-0.5 points at a few percent.
constexpr int kZeroingTrials = 4000;

/// Lanes of each buffer one inference reads while their load-time flips can still be there: the words each pass
/// reads (ArchModel's read observer: addresses do not depend on data), the partial-sum words before their first
/// write among them. A word read twice in a pass counts once: it returns the same decoded lanes every time.
std::array<double, kNumBuffers> lane_reads(const nn::QNetwork& net, const AccelConfig& accel) {
  std::array<double, kNumBuffers> reads{};
  ArchModel model(accel);
  std::array<std::vector<bool>, kNumBuffers> seen;
  model.observe_reads([&](Buffer b, size_t addr) {
    std::vector<bool>& words = seen[size_t(b)];
    if (words.empty()) words.assign(model.buffer(b).size(), false);
    if (words[addr]) return;
    words[addr] = true;
    reads[size_t(b)] += double(model.buffer(b)[addr].size());
  });
  for (size_t i : net.accel_ops()) {
    const nn::QOp& op = net.ops[i];
    const nn::QValue& in = net.values[size_t(op.inputs[0])];
    const LayerPlan plan = plan_layer(in.height, in.width, op.layer, accel);
    for (const LayerPass& pass : plan.passes) {
      for (auto& words : seen) words.clear();
      model.execute(pass.desc);
    }
  }
  return reads;
}

}  // namespace

BerPrediction predict_ber_option(const CampaignConfig& campaign, double baseline_critical, int threads) {
  BerPrediction out;
  const Protection& protection = campaign.network.accel.protection;
  const std::vector<int>& images = campaign.images;
  for (size_t i = 1; i < images.size(); ++i)
    if (images[i] != images[0] + int(i)) {
      out.note = "not modelled: a list of images that is not a range";
      return out;
    }
  const SiteMap map(campaign.network.accel);
  const std::vector<Buffer> buffers = TargetSpace(map, campaign).buffers();
  CampaignConfig uncoded = campaign;
  uncoded.targets.classes.clear();
  std::vector<Buffer> coded;
  for (Buffer b : buffers) {
    if (protection.buffer[size_t(b)] != Code::kNone) coded.push_back(b);
    else uncoded.targets.classes.push_back(SiteClass(int(SiteClass::kAbuf) + int(b)));
  }
  // The uncoded buffers' flips: the data-level model (accbuf and obuf alone rewrite every word before its data
  // is used: no critical SDC).
  if (!uncoded.targets.classes.empty()) {
    try {
      out.uncoded_critical = predict_campaign(uncoded, threads, false).critical_sdc_rate;
    } catch (const ConfigError& e) {
      out.note = e.what();
      return out;
    }
  }
  const model::LoadedNetwork loaded =
      model::load_network(campaign.network, int(images.size()), images.front(), campaign.file);
  const std::array<double, kNumBuffers> reads = lane_reads(loaded.net, campaign.network.accel);
  // The baseline's flips that reach data: every data bit of a word the passes load, flipped at the rate.
  double read_flips = 0;
  for (Buffer b : buffers)
    if (b != Buffer::kAccbuf && b != Buffer::kObuf) read_flips += reads[size_t(b)] * map.lane_bits(b) * campaign.ber;
  const double per_flip = baseline_critical < 0 ? 1.0
                          : read_flips > 0       ? 1 - std::pow(1 - baseline_critical, 1 / read_flips)
                                                 : 0.0;
  double no_flag = 1, silent_bits = 0;
  model::ZeroingRates zeroing;
  for (Buffer b : coded) {
    const LaneOutcomes lane = lane_outcomes(protection.buffer[size_t(b)], map.lane_bits(b), campaign.ber);
    no_flag *= std::pow(1 - lane.detected, reads[size_t(b)]);
    // A silently wrong partial sum is rewritten before it is used; the others reach the layer's outputs.
    if (b != Buffer::kAccbuf) silent_bits += lane.silent_bits * reads[size_t(b)];
    // Zeroed on detection: a stored value reads as zero as often as its lane flags at one load (the data-level
    // view of a value loaded once; a partial sum or output word is rewritten before it is used).
    if (b == Buffer::kWbuf) zeroing.weight = lane.detected;
    if (b == Buffer::kAbuf) zeroing.activation = lane.detected;
    if (b == Buffer::kBbuf) zeroing.bias = lane.detected;
  }
  out.flagged = 1 - no_flag;
  out.silent_critical = 1 - std::pow(1 - per_flip, silent_bits);
  std::string zeroed_note;
  if (protection.on_detect == OnDetect::kZero && out.flagged > 0) {
    const int trials = std::max(1, int(std::ceil(double(kZeroingTrials) / double(images.size()))));
    const Proportion z = model::zeroed_top1_change(loaded.net, campaign.network.accel, loaded.test, zeroing, trials,
                                                   campaign.seed, threads);
    out.zeroed_critical = z.value;
    zeroed_note = fmt::format("; values zeroed on detection (weights {:.2e}, activations {:.2e}, biases {:.2e} "
                              "per value), software fault simulation over {} trials: {:.4f} [{:.4f}, {:.4f}]",
                              zeroing.weight, zeroing.activation, zeroing.bias, size_t(trials) * images.size(),
                              z.value, z.low, z.high);
  }
  // A flag ends the inference as detected; a recompute reruns the pass from clean loads (which also clears the
  // pass's uncoded flips: ignored, so that part is an upper bound there); a zeroed value runs on.
  const double exposed = protection.recomputes() || protection.on_detect == OnDetect::kZero ? 1.0 : no_flag;
  out.critical =
      exposed * (1 - (1 - out.uncoded_critical) * (1 - out.silent_critical) * (1 - out.zeroed_critical));
  out.note = fmt::format("data-level model for the uncoded buffers{}: {:.4f}; codes exactly per lane read: "
                         "P(flagged) {:.4f}, {:.3f} silently wrong bits per inference at the baseline's {:.2e} "
                         "critical per flip read: {:.4f}{}",
                         protection.clip_activations ? " (clipped as the PPU clips)" : "", out.uncoded_critical,
                         out.flagged, silent_bits, per_flip, out.silent_critical, zeroed_note);
  return out;
}

}  // namespace flipsim
