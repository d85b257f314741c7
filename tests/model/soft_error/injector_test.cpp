// The software-level fault injector: it flips exactly the bits it is asked to, draws the right number of them,
// is a function of its seed, and its incremental recomputation equals rerunning the whole network.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "model/accel/golden.h"
#include "model/accel/requant.h"
#include "model/soft_error/bit_flip.h"
#include "model/soft_error/fault_space.h"
#include "model/soft_error/sw_fault_sim.h"
#include "tests/model/soft_error/test_networks.h"

namespace flipsim::model {
namespace {

using testing::accel_for;
using testing::make_network;
using testing::test_images;

// XOR of one raw bit of a `bits`-bit two's-complement value, written without the library's helper.
int32_t raw_flip(int32_t v, int bit, int bits) {
  uint32_t u = (uint32_t(v) & ((1u << bits) - 1)) ^ (1u << bit);
  return u >= (1u << (bits - 1)) ? int32_t(u) - (1 << bits) : int32_t(u);
}

class Injector : public ::testing::TestWithParam<std::pair<std::string, int>> {
 protected:
  void SetUp() override { net_ = make_network(GetParam().first, GetParam().second); }
  nn::QNetwork net_;
};

// A weight flip changes exactly that weight: the injector's logits equal a golden run of a network copy in which
// the test itself flipped the bit; afterwards the simulator is back to the fault-free result.
TEST_P(Injector, WeightFlipEqualsEditedNetwork) {
  const AccelConfig accel = accel_for(net_.data_bits);
  SwFaultSim sim(net_, accel);
  GoldenEngine golden(accel);
  const FeatureMap in = net_.quantize_image(test_images().image(3));
  sim.load_image(in);
  const std::vector<int32_t> fault_free = sim.golden_logits();
  const FaultSpace space(net_, FaultTarget::kWeights);
  std::mt19937_64 rng(1);
  FaultModel single;
  single.mode = FaultModel::Mode::kSingle;
  for (int t = 0; t < 40; ++t) {
    const std::vector<BitFlip> flips = sample_faults(space, single, rng);
    ASSERT_EQ(flips.size(), 1u);
    const BitFlip& f = flips[0];
    nn::QNetwork edited = net_;
    int32_t& w = edited.ops[net_.accel_ops()[size_t(f.layer)]].layer.weights[f.index];
    const int32_t before = w;
    w = raw_flip(w, f.bit, net_.data_bits);
    ASSERT_EQ(std::abs(w - before), 1 << f.bit);  // +-2^b; the sign bit is 2^(B-1) too
    const auto want = edited.run(in, golden)[size_t(net_.output_value)].data;
    sim.inject(flips);
    EXPECT_EQ(sim.last_logits(), want) << "layer " << f.layer << " weight " << f.index << " bit " << f.bit;
    EXPECT_EQ(sim.inject({}).logits_changed, false);
    EXPECT_EQ(sim.last_logits(), fault_free);
  }
}

// An activation flip changes exactly the value that layer reads: the network is run op by op and the test flips
// the bit in the layer's input itself (other readers of the same value keep the original).
TEST_P(Injector, ActivationFlipEqualsEditedInput) {
  const AccelConfig accel = accel_for(net_.data_bits);
  SwFaultSim sim(net_, accel);
  GoldenEngine golden(accel);
  const FeatureMap in = net_.quantize_image(test_images().image(5));
  sim.load_image(in);
  const FaultSpace space(net_, FaultTarget::kActivations);
  std::mt19937_64 rng(2);
  FaultModel single;
  single.mode = FaultModel::Mode::kSingle;
  const std::vector<size_t> accel_ops = net_.accel_ops();
  for (int t = 0; t < 40; ++t) {
    const BitFlip f = sample_faults(space, single, rng)[0];
    std::vector<FeatureMap> acts(net_.values.size());
    acts[size_t(net_.input_value)] = in;
    for (size_t i = 0; i < net_.ops.size(); ++i) {
      if (i == accel_ops[size_t(f.layer)]) {
        const nn::QOp& op = net_.ops[i];
        FeatureMap x = acts[size_t(op.inputs[0])];
        x.data[f.index] = raw_flip(x.data[f.index], f.bit, net_.data_bits);
        acts[size_t(op.output)] = golden.run(x, op.layer);
      } else {
        net_.run_op(i, acts, golden);
      }
    }
    sim.inject({f});
    EXPECT_EQ(sim.last_logits(), acts[size_t(net_.output_value)].data)
        << "layer " << f.layer << " input " << f.index << " bit " << f.bit;
  }
}

// Many flips at once, weights and activations together (or every kind of `target`), in every layer: the
// incremental run equals the whole network rerun with the flips applied, and the golden state survives. Returns
// the faulty logits of every injection, in order.
std::vector<std::vector<int32_t>> check_incremental_equals_full(const nn::QNetwork& net,
                                                                FaultTarget target = FaultTarget::kBoth) {
  const AccelConfig accel = accel_for(net.data_bits);
  SwFaultSim sim(net, accel);
  const FaultSpace space(net, target, {}, accel.acc_bits);
  std::mt19937_64 rng(3);
  int changed = 0;
  std::vector<std::vector<int32_t>> logits;
  for (int image = 0; image < 4; ++image) {
    const FeatureMap in = net.quantize_image(test_images().image(size_t(image)));
    sim.load_image(in);
    const std::vector<int32_t> fault_free = sim.golden_logits();
    for (double ber : {1e-5, 1e-4, 1e-3, 1e-2}) {
      FaultModel rate;
      rate.ber = ber;
      for (int t = 0; t < 6; ++t) {
        const std::vector<BitFlip> flips = sample_faults(space, rate, rng);
        const Injection r = sim.inject(flips);
        const auto full = sim.run_full(in, flips)[size_t(net.output_value)].data;
        EXPECT_EQ(sim.last_logits(), full) << "image " << image << " ber " << ber << " flips " << flips.size();
        EXPECT_EQ(r.logits_changed, full != fault_free);
        EXPECT_EQ(r.top1, top1_of(full));
        changed += r.logits_changed;
        logits.push_back(full);
      }
    }
    EXPECT_FALSE(sim.inject({}).logits_changed);
    EXPECT_EQ(sim.last_logits(), fault_free);
  }
  EXPECT_GT(changed, 10);  // the comparison saw real corruption, not only masked faults
  return logits;
}

TEST_P(Injector, IncrementalEqualsFullRecomputation) { check_incremental_equals_full(net_); }

// The same with the PPU clipping every layer's outputs to calibrated ranges (the protectable accelerator's
// clip_activations): the incremental path clips as the golden engine does, and the clipping changes results of the
// same flips; flips of the clip ranges themselves (beside biases, weights and activations) too.
TEST_P(Injector, IncrementalEqualsFullRecomputationWithClipping) {
  const nn::QNetwork clipped = make_network(GetParam().first, GetParam().second, true);
  EXPECT_NE(check_incremental_equals_full(clipped), check_incremental_equals_full(net_));
  check_incremental_equals_full(clipped, FaultTarget::kAll);
}

// A clip-range flip changes exactly that bound, as the bias buffer stores it ({hi, lo}, data_bits each): single
// flips of every bit equal a network copy whose range the test edited by hand.
TEST_P(Injector, ClipRangeFlipsEqualEditedNetwork) {
  const nn::QNetwork clipped = make_network(GetParam().first, GetParam().second, true);
  const AccelConfig accel = accel_for(clipped.data_bits);
  SwFaultSim sim(clipped, accel);
  GoldenEngine golden(accel);
  const FeatureMap in = clipped.quantize_image(test_images().image(5));
  sim.load_image(in);
  const FaultSpace space(clipped, FaultTarget::kBiases, {}, accel.acc_bits);
  const int bits = clipped.data_bits;
  std::mt19937_64 rng(6);
  int changed = 0, seen = 0;
  for (const FaultSpace::Segment& seg : space.segments()) {
    if (seg.kind != SiteKind::kClip) continue;
    ASSERT_EQ(seg.value_bits, 2 * bits);
    for (int bit = 0; bit < 2 * bits; ++bit) {
      BitFlip f;
      f.layer = seg.layer;
      f.kind = SiteKind::kClip;
      f.index = uint32_t(std::uniform_int_distribution<uint64_t>(0, seg.values - 1)(rng));
      f.bit = bit;
      nn::QNetwork edited = clipped;
      ClipRange& r = edited.ops[clipped.accel_ops()[size_t(f.layer)]].layer.clip[f.index];
      int32_t& bound = bit < bits ? r.lo : r.hi;
      bound = raw_flip(bound, bit % bits, bits);
      const auto want = edited.run(in, golden)[size_t(clipped.output_value)].data;
      changed += sim.inject({f}).logits_changed;
      EXPECT_EQ(sim.last_logits(), want) << "layer " << f.layer << " channel " << f.index << " bit " << bit;
      ++seen;
    }
  }
  EXPECT_GT(seen, 0);
  EXPECT_GT(changed, 0);
}

// A bias flip changes exactly that bias, at the accumulator width the bias buffer stores it at: single flips equal
// a network copy with the bias edited by the test, and many at once (every layer, up to dense rates) equal the
// whole network rerun.
TEST_P(Injector, BiasFlipsEqualEditedNetworkAndFullRecomputation) {
  const AccelConfig accel = accel_for(net_.data_bits);
  SwFaultSim sim(net_, accel);
  GoldenEngine golden(accel);
  const FeatureMap in = net_.quantize_image(test_images().image(7));
  sim.load_image(in);
  const std::vector<int32_t> fault_free = sim.golden_logits();
  const FaultSpace space(net_, FaultTarget::kBiases, {}, accel.acc_bits);
  uint64_t channels = 0;
  for (size_t op : net_.accel_ops()) channels += uint64_t(net_.ops[op].layer.out_channels);
  ASSERT_EQ(space.total_bits(), channels * uint64_t(accel.acc_bits));
  std::mt19937_64 rng(4);
  FaultModel single;
  single.mode = FaultModel::Mode::kSingle;
  int changed = 0;
  for (int t = 0; t < 60; ++t) {
    const BitFlip f = sample_faults(space, single, rng)[0];
    ASSERT_EQ(f.kind, SiteKind::kBias);
    ASSERT_LT(f.bit, accel.acc_bits);
    nn::QNetwork edited = net_;
    ConvLayer& layer = edited.ops[net_.accel_ops()[size_t(f.layer)]].layer;
    if (layer.bias.empty()) layer.bias.assign(size_t(layer.out_channels), 0);
    // Two's complement at acc_bits, by hand: flip the bit of the low acc_bits, then sign-extend.
    const uint64_t mask = (uint64_t(1) << accel.acc_bits) - 1;
    const uint64_t u = (uint64_t(layer.bias[f.index]) & mask) ^ (uint64_t(1) << f.bit);
    layer.bias[f.index] = (u >> (accel.acc_bits - 1)) ? int64_t(u | ~mask) : int64_t(u);
    const auto want = edited.run(in, golden)[size_t(net_.output_value)].data;
    changed += sim.inject({f}).logits_changed;
    EXPECT_EQ(sim.last_logits(), want) << "layer " << f.layer << " bias " << f.index << " bit " << f.bit;
    EXPECT_EQ(sim.last_logits(), sim.run_full(in, {f})[size_t(net_.output_value)].data);
  }
  EXPECT_GT(changed, 5);
  for (double ber : {1e-3, 1e-2, 5e-2}) {
    FaultModel rate;
    rate.ber = ber;
    for (int t = 0; t < 10; ++t) {
      const std::vector<BitFlip> flips = sample_faults(space, rate, rng);
      sim.inject(flips);
      ASSERT_EQ(sim.last_logits(), sim.run_full(in, flips)[size_t(net_.output_value)].data)
          << "ber " << ber << " flips " << flips.size();
    }
  }
  EXPECT_FALSE(sim.inject({}).logits_changed);
  EXPECT_EQ(sim.last_logits(), fault_free);
}

// Several flipped weights of one output channel (two bits of one weight among them), alone, beside flipped
// inputs of the same layer and beside a flipped bias of the same or another channel, in every layer: the
// incremental run (a flipped weight's change times the input it meets, added to the channel's accumulators) equals
// the whole network rerun with the flips applied.
TEST_P(Injector, FlippedWeightsOfOneChannelEqualFullRecomputation) {
  const AccelConfig accel = accel_for(net_.data_bits);
  SwFaultSim sim(net_, accel);
  const FeatureMap in = net_.quantize_image(test_images().image(9));
  sim.load_image(in);
  const std::vector<int32_t> fault_free = sim.golden_logits();
  const FaultSpace activations(net_, FaultTarget::kActivations);
  std::mt19937_64 rng(5);
  const auto pick = [&](int n) { return int(rng() % uint64_t(n)); };
  int changed = 0;
  for (size_t layer = 0; layer < net_.accel_ops().size(); ++layer) {
    const ConvLayer& l = net_.ops[net_.accel_ops()[layer]].layer;
    const uint32_t fan_in = uint32_t(l.kernel_h * l.kernel_w * l.in_channels);
    for (int t = 0; t < 12; ++t) {
      const int o = pick(l.out_channels);
      std::vector<BitFlip> flips;
      const uint32_t twice = uint32_t(o) * fan_in + uint32_t(pick(int(fan_in)));
      flips.push_back(BitFlip{int(layer), SiteKind::kWeight, twice, 0});
      flips.push_back(BitFlip{int(layer), SiteKind::kWeight, twice, net_.data_bits - 1});
      for (int k = pick(4); k > 0; --k) {
        const BitFlip f{int(layer), SiteKind::kWeight, uint32_t(o) * fan_in + uint32_t(pick(int(fan_in))),
                        pick(net_.data_bits)};
        if (std::find(flips.begin(), flips.end(), f) == flips.end()) flips.push_back(f);
      }
      if (t % 3 >= 1) {  // inputs of this layer flipped too
        FaultModel single;
        single.mode = FaultModel::Mode::kSingle;
        for (int k = 0; k < 4; ++k) {
          const BitFlip f = sample_faults(activations, single, rng)[0];
          if (std::find(flips.begin(), flips.end(), f) == flips.end()) flips.push_back(f);
        }
      }
      if (t % 3 == 2)  // a bias of this channel or another: that channel is recomputed whole
        flips.push_back(BitFlip{int(layer), SiteKind::kBias, uint32_t(t % 2 ? o : pick(l.out_channels)),
                                pick(accel.acc_bits)});
      changed += sim.inject(flips).logits_changed;
      ASSERT_EQ(sim.last_logits(), sim.run_full(in, flips)[size_t(net_.output_value)].data)
          << "layer " << layer << " channel " << o << " trial " << t << " flips " << flips.size();
    }
  }
  EXPECT_GT(changed, 5);
  EXPECT_FALSE(sim.inject({}).logits_changed);
  EXPECT_EQ(sim.last_logits(), fault_free);
}

// Adds accumulator changes to the golden engine's layers, as each accelerator layer call arrives (the reference
// for SwFaultSim's changes, written without its incremental machinery).
class ChangingEngine : public ConvEngine {
 public:
  ChangingEngine(const AccelConfig& accel, const std::vector<AccumulatorChange>& changes)
      : accel_(accel), changes_(changes) {}
  FeatureMap run(const FeatureMap& input, const ConvLayer& layer, LayerRun* run) override {
    FeatureMap out = GoldenEngine(accel_).run(input, layer, run);
    std::map<uint32_t, int64_t> deltas;
    for (const AccumulatorChange& c : changes_)
      if (c.layer == calls_) deltas[c.index] += c.delta;
    for (const auto& [k, delta] : deltas) {
      const int o = int(k % uint32_t(out.channels)), pos = int(k / uint32_t(out.channels));
      const int64_t acc = golden_accumulator(input, layer, pos / out.width, pos % out.width, o, 64);
      out.data[k] = layer.clipped(o, requantize(wrap_to_bits(acc + delta, accel_.acc_bits), layer.requant,
                                                accel_.data_bits));
    }
    ++calls_;
    return out;
  }
  std::string name() const override { return "golden+changes"; }

 private:
  AccelConfig accel_;
  const std::vector<AccumulatorChange>& changes_;
  int calls_ = 0;
};

// Accumulator changes (what upset partial sums carry), alone, several in one accumulator, and beside weight and
// activation flips: the incremental run equals the whole network with the changes added, and the golden state
// survives.
TEST_P(Injector, AccumulatorChangesEqualTheChangedNetwork) {
  const AccelConfig accel = accel_for(net_.data_bits);
  SwFaultSim sim(net_, accel);
  const FaultSpace weights(net_, FaultTarget::kWeights);
  const std::vector<size_t> ops = net_.accel_ops();
  std::mt19937_64 rng(11);
  int changed = 0;
  for (int image = 0; image < 3; ++image) {
    const FeatureMap in = net_.quantize_image(test_images().image(size_t(20 + image)));
    sim.load_image(in);
    const std::vector<int32_t> fault_free = sim.golden_logits();
    for (int t = 0; t < 30; ++t) {
      std::vector<AccumulatorChange> changes;
      const int count = 1 + int(rng() % 3);
      for (int j = 0; j < count; ++j) {
        AccumulatorChange c;
        c.layer = int(rng() % ops.size());
        c.index = uint32_t(rng() % sim.golden()[size_t(net_.ops[ops[size_t(c.layer)]].output)].data.size());
        const int bit = int(rng() % uint64_t(accel.acc_bits));
        c.delta = (rng() % 2 ? 1 : -1) * (int64_t(1) << bit);
        changes.push_back(c);
        if (j == 1) changes.push_back(c);  // twice in one accumulator
      }
      // Every third trial with weight flips too: the reference is the flipped network copy with the changes.
      FaultModel rate;
      rate.ber = t % 3 == 0 ? 1e-4 : 0;
      const std::vector<BitFlip> flips = sample_faults(weights, rate, rng);
      const Injection r = sim.inject(flips, changes);
      nn::QNetwork edited = net_;
      for (const BitFlip& f : flips) {
        int32_t& w = edited.ops[ops[size_t(f.layer)]].layer.weights[f.index];
        w = raw_flip(w, f.bit, net_.data_bits);
      }
      ChangingEngine engine(accel, changes);
      const std::vector<FeatureMap> want = edited.run(in, engine);
      ASSERT_EQ(sim.last_logits(), want[size_t(net_.output_value)].data) << "image " << image << " trial " << t;
      changed += r.logits_changed;
    }
    EXPECT_FALSE(sim.inject({}).logits_changed);
    EXPECT_EQ(sim.last_logits(), fault_free);
  }
  EXPECT_GT(changed, 10);
}

INSTANTIATE_TEST_SUITE_P(Networks, Injector,
                         ::testing::Values(std::pair{std::string("lenet5"), 8}, std::pair{std::string("lenet5"), 16},
                                           std::pair{std::string("tiny_cnn"), 8},
                                           std::pair{std::string("tiny_resnet"), 8},
                                           std::pair{std::string("tiny_resnet"), 16}),
                         [](const auto& info) { return info.param.first + "_int" + std::to_string(info.param.second); });

TEST(Sampler, SingleAndMultiBitModes) {
  const nn::QNetwork net = make_network("tiny_cnn", 8);
  const FaultSpace space(net, FaultTarget::kBoth);
  std::mt19937_64 rng(4);
  FaultModel multi;
  multi.mode = FaultModel::Mode::kMulti;
  multi.multi_bits = 3;
  for (int t = 0; t < 200; ++t) {
    const std::vector<BitFlip> f = sample_faults(space, multi, rng);
    ASSERT_EQ(f.size(), 3u);
    for (int k = 1; k < 3; ++k) {
      EXPECT_EQ(f[size_t(k)].layer, f[0].layer);
      EXPECT_EQ(f[size_t(k)].kind, f[0].kind);
      EXPECT_EQ(f[size_t(k)].index, f[0].index);
      EXPECT_EQ(f[size_t(k)].bit, f[0].bit + k);  // adjacent bits of one word
    }
    EXPECT_LE(f[2].bit, 7);
  }
}

// Rate mode: the number of flips per injection follows Binomial(N, p) (mean and variance within sampling
// bounds), positions are distinct and land in each layer in proportion to its bits.
TEST(Sampler, RateModeCountsAreBinomial) {
  const nn::QNetwork net = make_network("lenet5", 8);
  const FaultSpace space(net, FaultTarget::kBoth);
  const double p = 2e-4, n = double(space.total_bits()), mean = n * p, var = n * p * (1 - p);
  std::mt19937_64 rng(5);
  FaultModel rate;
  rate.ber = p;
  const int draws = 2000;
  double s1 = 0, s2 = 0;
  std::vector<double> per_segment(space.segments().size());
  for (int t = 0; t < draws; ++t) {
    const std::vector<BitFlip> f = sample_faults(space, rate, rng);
    s1 += double(f.size());
    s2 += double(f.size()) * double(f.size());
    std::set<std::tuple<int, int, uint32_t, int>> distinct;
    for (const BitFlip& b : f) {
      distinct.insert({b.layer, int(b.kind), b.index, b.bit});
      for (size_t s = 0; s < space.segments().size(); ++s)
        if (space.segments()[s].layer == b.layer && space.segments()[s].kind == b.kind) per_segment[s] += 1;
    }
    EXPECT_EQ(distinct.size(), f.size());
  }
  const double m = s1 / draws, v = s2 / draws - m * m;
  EXPECT_NEAR(m, mean, 4 * std::sqrt(var / draws));
  EXPECT_NEAR(v, var, 4 * var * std::sqrt(2.0 / draws));
  for (size_t s = 0; s < per_segment.size(); ++s) {
    const double share = double(space.segments()[s].values * 8) / n, expect = s1 * share;
    EXPECT_NEAR(per_segment[s], expect, 5 * std::sqrt(expect) + 1) << "segment " << s;
  }
}

TEST(Sampler, DeterministicBySeed) {
  const nn::QNetwork net = make_network("lenet5", 8);
  const FaultSpace space(net, FaultTarget::kBoth);
  FaultModel rate;
  rate.ber = 1e-3;
  std::mt19937_64 a(stream_seed(9, 1, 2, 3)), b(stream_seed(9, 1, 2, 3)), c(stream_seed(9, 1, 2, 4));
  const auto fa = sample_faults(space, rate, a), fb = sample_faults(space, rate, b), fc = sample_faults(space, rate, c);
  EXPECT_EQ(fa, fb);
  EXPECT_NE(fa, fc);
  EXPECT_NE(stream_seed(1, 2, 3), stream_seed(1, 3, 2));
}

}  // namespace
}  // namespace flipsim::model
