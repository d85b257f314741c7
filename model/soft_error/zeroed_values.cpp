#include "model/soft_error/zeroed_values.h"

#include <algorithm>
#include <unordered_set>

#include "model/soft_error/bit_flip.h"

namespace flipsim::model {

double ZeroingRates::of(SiteKind kind) const {
  switch (kind) {
    case SiteKind::kWeight: return weight;
    case SiteKind::kActivation: return activation;
    case SiteKind::kBias:
    case SiteKind::kClip: return bias;  // the clip ranges share the bias buffer
  }
  return 0;
}

std::vector<BitFlip> zeroing_flips(BitFlip site, int64_t value, int width) {
  std::vector<BitFlip> flips;
  for (int b = 0; b < width; ++b)
    if ((uint64_t(value) >> b) & 1) {
      site.bit = b;
      flips.push_back(site);
    }
  return flips;
}

std::vector<BitFlip> sample_zeroings(const FaultSpace& space, const SwFaultSim& sim, const ZeroingRates& rates,
                                     std::mt19937_64& rng) {
  const nn::QNetwork& net = sim.network();
  const std::vector<size_t> ops = net.accel_ops();
  std::vector<BitFlip> flips;
  std::unordered_set<uint64_t> picked;
  for (const FaultSpace::Segment& seg : space.segments()) {
    const double p = rates.of(seg.kind);
    if (p <= 0 || seg.values == 0) continue;
    const uint64_t count = std::binomial_distribution<uint64_t>(seg.values, std::min(p, 1.0))(rng);
    std::uniform_int_distribution<uint64_t> pick(0, seg.values - 1);
    const nn::QOp& op = net.ops[ops[size_t(seg.layer)]];
    picked.clear();
    while (picked.size() < count) {
      const uint64_t index = pick(rng);
      if (!picked.insert(index).second) continue;
      BitFlip site;
      site.layer = seg.layer;
      site.kind = seg.kind;
      site.index = uint32_t(index);
      int64_t value = 0;
      switch (seg.kind) {
        case SiteKind::kWeight: value = op.layer.weights[index]; break;
        case SiteKind::kActivation: value = sim.golden()[size_t(op.inputs[0])].data[index]; break;
        case SiteKind::kBias: value = op.layer.bias.empty() ? 0 : op.layer.bias[index]; break;
        case SiteKind::kClip: value = clip_bits(op.layer.clip[index], net.data_bits); break;
      }
      for (const BitFlip& f : zeroing_flips(site, value, seg.value_bits)) flips.push_back(f);
    }
  }
  return flips;
}

Proportion zeroed_top1_change(const nn::QNetwork& net, const AccelConfig& accel, const nn::ImageSet& images,
                              const ZeroingRates& rates, int trials, uint64_t seed, int threads) {
  const FaultSpace space(net, FaultTarget::kAll, {}, accel.acc_bits);
  const int n = int(images.size());
  std::vector<uint64_t> changed(size_t(n), 0);
  for_each_loaded_image(net, accel, images, threads, [&](SwFaultSim& sim, int i) {
    const int golden = top1_of(sim.golden_logits());
    for (int t = 0; t < trials; ++t) {
      std::mt19937_64 rng(stream_seed(seed, uint64_t(i), uint64_t(t)));
      changed[size_t(i)] += sim.inject(sample_zeroings(space, sim, rates, rng)).top1 != golden;
    }
  });
  uint64_t total = 0;
  for (uint64_t c : changed) total += c;
  return wilson(total, uint64_t(n) * uint64_t(std::max(trials, 0)));
}

}  // namespace flipsim::model
