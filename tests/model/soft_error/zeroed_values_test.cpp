// Values read as zero (a buffer code's on_detect: zero): the flips that express a zeroing zero exactly that value,
// every stored kind included; the draws have the right counts; the measured top-1 change does not depend on the
// thread count and grows with the rate.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <tuple>
#include <utility>

#include "model/accel/golden.h"
#include "model/soft_error/zeroed_values.h"
#include "tests/model/soft_error/test_networks.h"

namespace flipsim::model {
namespace {

using testing::accel_for;
using testing::make_network;
using testing::test_images;

// One zeroed value of every kind in every layer: the simulator's logits equal a network copy in which the test set
// the value to zero itself (activations: the layer's input map edited by an engine).
TEST(ZeroedValues, ZeroingFlipsZeroTheValue) {
  const nn::QNetwork net = make_network("lenet5", 8, true);
  const AccelConfig accel = accel_for(8);
  SwFaultSim sim(net, accel);
  const FeatureMap in = net.quantize_image(test_images().image(3));
  sim.load_image(in);
  const FaultSpace space(net, FaultTarget::kAll, {}, accel.acc_bits);
  const std::vector<size_t> ops = net.accel_ops();
  std::mt19937_64 rng(2);
  int checked = 0, changed = 0;
  for (const FaultSpace::Segment& seg : space.segments()) {
    for (int t = 0; t < 4; ++t) {
      BitFlip site;
      site.layer = seg.layer;
      site.kind = seg.kind;
      site.index = uint32_t(std::uniform_int_distribution<uint64_t>(0, seg.values - 1)(rng));
      nn::QNetwork edited = net;
      ConvLayer& layer = edited.ops[ops[size_t(seg.layer)]].layer;
      int64_t value = 0;
      switch (seg.kind) {
        case SiteKind::kWeight:
          value = std::exchange(layer.weights[site.index], 0);
          break;
        case SiteKind::kBias:
          value = std::exchange(layer.bias[site.index], 0);
          break;
        case SiteKind::kClip:
          value = clip_bits(std::exchange(layer.clip[site.index], ClipRange{0, 0}), 8);
          break;
        case SiteKind::kActivation:
          value = sim.golden()[size_t(net.ops[ops[size_t(seg.layer)]].inputs[0])].data[site.index];
          break;
      }
      std::vector<FeatureMap> want;
      if (seg.kind == SiteKind::kActivation) {
        // The same flips through the reference path, checked to zero the value the layer reads.
        want = sim.run_full(in, zeroing_flips(site, value, seg.value_bits));
      } else {
        GoldenEngine golden(accel);
        want = edited.run(in, golden);
      }
      changed += sim.inject(zeroing_flips(site, value, seg.value_bits)).logits_changed;
      EXPECT_EQ(sim.last_logits(), want[size_t(net.output_value)].data)
          << "layer " << seg.layer << " kind " << int(seg.kind) << " index " << site.index;
      ++checked;
    }
  }
  EXPECT_GT(checked, 40);
  EXPECT_GT(changed, 0);
}

// An activation's zeroing flips leave zero in the map the layer reads.
TEST(ZeroedValues, ZeroingFlipsOfAnActivationLeaveZero) {
  for (int64_t v : {0, 1, -1, 37, -128, 127})
    for (int width : {8, 16}) {
      int64_t u = uint64_t(v) & ((uint64_t(1) << width) - 1);
      for (const BitFlip& f : zeroing_flips({}, v, width)) u ^= int64_t(1) << f.bit;
      EXPECT_EQ(u, 0) << v << " at " << width << " bits";
    }
}

// The draw zeroes each value with its kind's probability: the zeroed values per kind (those not zero already,
// which need no flip) are binomial, within 5 sigma over many draws, and a kind at rate 0 is never drawn.
TEST(ZeroedValues, DrawsHaveBinomialCounts) {
  const nn::QNetwork net = make_network("lenet5", 8, true);
  const AccelConfig accel = accel_for(8);
  SwFaultSim sim(net, accel);
  sim.load_image(net.quantize_image(test_images().image(0)));
  const FaultSpace space(net, FaultTarget::kAll, {}, accel.acc_bits);
  ZeroingRates rates;
  rates.weight = 1e-3;
  rates.bias = 2e-2;
  uint64_t nonzero_weights = 0, nonzero_words = 0;  // words: biases and clip ranges (the bias buffer's)
  for (size_t op : net.accel_ops()) {
    const ConvLayer& l = net.ops[op].layer;
    for (int32_t w : l.weights) nonzero_weights += w != 0;
    for (int64_t b : l.bias) nonzero_words += b != 0;
    for (const ClipRange& c : l.clip) nonzero_words += clip_bits(c, 8) != 0;
  }
  std::mt19937_64 rng(9);
  const int draws = 400;
  double weights = 0, words = 0;
  for (int d = 0; d < draws; ++d) {
    std::set<std::tuple<int, int, uint32_t>> values;
    for (const BitFlip& f : sample_zeroings(space, sim, rates, rng)) {
      ASSERT_NE(f.kind, SiteKind::kActivation);
      values.insert({f.layer, int(f.kind), f.index});
    }
    for (const auto& [layer, kind, index] : values) (SiteKind(kind) == SiteKind::kWeight ? weights : words) += 1;
  }
  const double mean_weights = double(nonzero_weights) * rates.weight * draws;
  const double mean_words = double(nonzero_words) * rates.bias * draws;
  EXPECT_NEAR(weights, mean_weights, 5 * std::sqrt(mean_weights));
  EXPECT_NEAR(words, mean_words, 5 * std::sqrt(mean_words));
}

// The measured change is a function of the seed alone (not of the thread count), is zero at rate zero, and grows
// with the rate.
TEST(ZeroedValues, Top1ChangeIsDeterministicAndGrowsWithRate) {
  const nn::QNetwork net = make_network("lenet5", 8);
  const AccelConfig accel = accel_for(8);
  nn::ImageSet images = test_images();
  images.pixels.resize(20 * images.image_bytes());
  images.labels.resize(20);
  ZeroingRates low, high;
  low.weight = low.activation = 1e-3;
  high.weight = high.activation = 2e-2;
  const Proportion a = zeroed_top1_change(net, accel, images, low, 10, 4, 1);
  const Proportion b = zeroed_top1_change(net, accel, images, low, 10, 4, 2);
  EXPECT_EQ(a.value, b.value);
  EXPECT_EQ(zeroed_top1_change(net, accel, images, ZeroingRates{}, 10, 4, 2).value, 0.0);
  EXPECT_GT(zeroed_top1_change(net, accel, images, high, 10, 4, 2).value, a.value);
}

}  // namespace
}  // namespace flipsim::model
