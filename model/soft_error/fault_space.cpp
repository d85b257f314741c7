#include "model/soft_error/fault_space.h"

#include <algorithm>
#include <stdexcept>
#include <tuple>
#include <unordered_set>

namespace flipsim::model {

const char* fault_target_name(FaultTarget target) {
  switch (target) {
    case FaultTarget::kWeights: return "weights";
    case FaultTarget::kActivations: return "activations";
    case FaultTarget::kBoth: return "both";
    case FaultTarget::kBiases: return "biases";
    case FaultTarget::kAll: return "all";
  }
  return "?";
}

bool BitFlip::operator<(const BitFlip& o) const {
  return std::tie(layer, kind, index, bit) < std::tie(o.layer, o.kind, o.index, o.bit);
}

FaultSpace::FaultSpace(const nn::QNetwork& net, FaultTarget target, const std::vector<int>& layers, int acc_bits)
    : data_bits_(net.data_bits) {
  const std::vector<size_t> accel = net.accel_ops();
  std::vector<bool> chosen(accel.size(), layers.empty());
  for (int l : layers) {
    if (l < 0 || size_t(l) >= accel.size())
      throw std::invalid_argument("fault space: layer " + std::to_string(l) + " out of range");
    chosen[size_t(l)] = true;
  }
  for (size_t l = 0; l < accel.size(); ++l) {
    if (!chosen[l]) continue;
    const nn::QOp& op = net.ops[accel[l]];
    const auto add = [&](SiteKind kind, uint64_t values, int bits) {
      segments_.push_back({int(l), kind, values, total_bits_, bits});
      total_bits_ += values * uint64_t(bits);
    };
    if (target == FaultTarget::kBiases || target == FaultTarget::kAll) {
      // Every output channel has a bias word (0 when the layer has none): the buffer holds and adds it either way.
      add(SiteKind::kBias, uint64_t(op.layer.out_channels), acc_bits);
      if (!op.layer.clip.empty()) add(SiteKind::kClip, uint64_t(op.layer.out_channels), 2 * data_bits_);
      if (target == FaultTarget::kBiases) continue;
    }
    if (target != FaultTarget::kActivations) add(SiteKind::kWeight, op.layer.weights.size(), data_bits_);
    if (target != FaultTarget::kWeights) {
      const nn::QValue& in = net.values[size_t(op.inputs[0])];
      add(SiteKind::kActivation, uint64_t(in.height) * in.width * in.channels, data_bits_);
    }
  }
}

uint64_t FaultSpace::bits_of(int layer, SiteKind kind) const {
  for (const Segment& s : segments_)
    if (s.layer == layer && s.kind == kind) return s.values * uint64_t(s.value_bits);
  return 0;
}

BitFlip FaultSpace::site(uint64_t g) const {
  // Segments are few (two per layer): a linear scan from the back is as fast as a binary search.
  size_t s = segments_.size() - 1;
  while (segments_[s].first_bit > g) --s;
  const uint64_t local = g - segments_[s].first_bit;
  BitFlip f;
  f.layer = segments_[s].layer;
  f.kind = segments_[s].kind;
  f.index = uint32_t(local / uint64_t(segments_[s].value_bits));
  f.bit = int(local % uint64_t(segments_[s].value_bits));
  return f;
}

uint64_t stream_seed(uint64_t seed, uint64_t a, uint64_t b, uint64_t c) {
  auto mix = [](uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  return mix(mix(mix(mix(seed) ^ a) ^ b) ^ c);
}

std::vector<BitFlip> sample_faults(const FaultSpace& space, const FaultModel& model, std::mt19937_64& rng) {
  std::vector<BitFlip> flips;
  const uint64_t n = space.total_bits();
  if (n == 0) return flips;
  switch (model.mode) {
    case FaultModel::Mode::kSingle: {
      flips.push_back(space.site(std::uniform_int_distribution<uint64_t>(0, n - 1)(rng)));
      break;
    }
    case FaultModel::Mode::kMulti: {
      const int bits = space.data_bits();
      for (const FaultSpace::Segment& s : space.segments())
        if (s.value_bits != bits) throw std::invalid_argument("multi-bit faults: values of the data width only");
      const int m = std::clamp(model.multi_bits, 1, bits);
      const uint64_t value = std::uniform_int_distribution<uint64_t>(0, n / uint64_t(bits) - 1)(rng);
      const int lsb = std::uniform_int_distribution<int>(0, bits - m)(rng);
      for (int b = 0; b < m; ++b) flips.push_back(space.site(value * uint64_t(bits) + uint64_t(lsb + b)));
      break;
    }
    case FaultModel::Mode::kRate: {
      if (model.ber <= 0) break;
      const uint64_t k = std::binomial_distribution<uint64_t>(n, std::min(model.ber, 1.0))(rng);
      if (k == 0) break;
      // Floyd's algorithm: k distinct values from [0, n) with exactly k draws.
      std::unordered_set<uint64_t> picked;
      picked.reserve(size_t(k) * 2);
      for (uint64_t j = n - k; j < n; ++j) {
        const uint64_t t = std::uniform_int_distribution<uint64_t>(0, j)(rng);
        picked.insert(picked.count(t) ? j : t);
      }
      flips.reserve(size_t(k));
      for (uint64_t g : picked) flips.push_back(space.site(g));
      break;
    }
  }
  std::sort(flips.begin(), flips.end());
  return flips;
}

}  // namespace flipsim::model
